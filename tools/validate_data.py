"""`rasa data validate`, failing on every warning except those Rasa 3.6 raises wrongly.

--fail-on-warnings misses warnings raised while loading, so we read the output:
- "duplicated intents ... faq": the ResponsesSyncImporter re-adds the retrieval intent
  it found in the NLU data to the domain, then flags its own addition;
- "utter_ask_<slot> is not used in any story or rule": the validator does not know that
  a form asks its required slots with these responses;
- "utter_<x> is not used in any story or rule" for a response that code sends by name
  (an action's ``utter_message(response=...)``, a channel's ``bot.content.text``): the
  validator only reads stories and rules. Only names that appear in the code count;
- "The utterance 'utter_faq' is not used in any story or rule": the retrieval intent's own
  action; action_answer_faq sends its answers (utter_faq/<topic>) or asks "Did you mean
  …?" instead (bot/faq_choice.py);
- "The intent 'safeguarding' ... not found in the NLU training data": the NLU pipeline's
  MessageGuard sets it from rules (bot/safety/concerns.py); a model trained on examples
  of it would guess it without knowing which careful answer fits.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
# Intents only components/message_guard.py sets, never the model.
GUARD_ONLY_INTENTS = ("safeguarding",)


def known_false_warnings() -> list[re.Pattern[str]]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    form_slots = {
        s for form in (domain.get("forms") or {}).values() for s in form["required_slots"]
    }
    patterns = [
        re.compile(r"duplicated intents have been found across multiple domain files: faq$")
    ]
    patterns += [
        re.compile(rf"The intent '{name}' is listed in the domain file, but is not found in the NLU")
        for name in GUARD_ONLY_INTENTS
    ]
    # The retrieval intent's action, which action_answer_faq stands in for.
    used = {f"utter_ask_{slot}" for slot in form_slots} | responses_named_in_code() | {"utter_faq"}
    patterns += [
        re.compile(rf"The utterance '{re.escape(name)}' is not used in any story or rule")
        for name in sorted(used)
    ]
    return patterns


def responses_named_in_code() -> set[str]:
    """Response names that the project's code sends (string literals "utter_..."), and
    the safety net's guidance in each language its rules are written in."""
    names: set[str] = set()
    for package in ("actions", "bot", "components"):
        for path in (ROOT / package).rglob("*.py"):
            if path.is_relative_to(ROOT / "bot" / "console") or path.is_relative_to(
                ROOT / "bot" / "store"
            ):
                continue  # they read events ("utter_action" metadata), never send responses
            names.update(re.findall(r"[\"'](utter_[a-z0-9_/]+)[\"']", path.read_text()))
    return names | triage_guidance()


def triage_guidance() -> set[str]:
    """Every response the safety net can send (``Finding.response``)."""
    from bot.safety.triage.engine import guidance_response
    from bot.safety.triage.ruleset import languages, load_categories

    guidance = {category.guidance for category in load_categories().values()}
    codes = [language.code for language in languages()]
    return {guidance_response(g, code) for g in guidance for code in codes}


def main() -> int:
    rasa = Path(sys.executable).parent / "rasa"
    proc = subprocess.run(
        [str(rasa), "data", "validate", "--fail-on-warnings"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    output = proc.stdout + proc.stderr
    (ROOT / "var").mkdir(exist_ok=True)
    (ROOT / "var" / "validate.log").write_text(output)
    allowed = known_false_warnings()
    warnings = [
        line.split("UserWarning: ", 1)[1].strip()
        for line in output.splitlines()
        if "UserWarning: " in line
    ]
    # Some warnings continue on the next line; the first line is enough to judge them.
    real = [w for w in warnings if not any(p.search(w) for p in allowed)]
    if proc.returncode != 0 or real:
        print(output)
        for warning in real:
            print(f"warning: {warning}", file=sys.stderr)
        print("rasa data validate failed (full output in var/validate.log)", file=sys.stderr)
        return 1
    print(f"rasa data validate: no warnings ({len(warnings)} known false ones ignored)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
