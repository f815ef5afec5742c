"""FAQ evaluation: sends each case of an eval file to the REST channel and checks the answer.

File format (see shared/eval/faq_dev.yml): each case is one fresh conversation; all bot
texts are joined into one lowercase string; every `expect` group must match (any of its
phrases as a substring) and no `forbid` phrase may occur.

A case may carry an optional `context:` list of messages, sent first in the same
conversation, so that a follow-up ("and how long does it last?") can be asked in
context; only the answer to `question` is judged.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.settings import PROJECT_ROOT

DEFAULT_CASES = PROJECT_ROOT.parent / "shared" / "eval" / "faq_dev.yml"


@dataclass(frozen=True)
class Case:
    """One evaluation case."""

    id: str
    question: str
    expect: list[list[str]]
    forbid: list[str] = field(default_factory=list)
    # Messages sent before the question in the same conversation; their answers are not judged.
    context: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Result:
    """The outcome of one case."""

    case: Case
    answer: str
    missing: list[list[str]]
    forbidden: list[str]

    @property
    def passed(self) -> bool:
        return not self.missing and not self.forbidden


def load_cases(path: Path) -> list[Case]:
    """Read the cases of an eval file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Case(
            id=str(item["id"]),
            question=str(item["question"]),
            expect=[[str(p) for p in group] for group in item.get("expect", [])],
            forbid=[str(p) for p in item.get("forbid", [])],
            context=[str(m) for m in item.get("context", [])],
        )
        for item in data["cases"]
    ]


def judge(case: Case, bot_texts: list[str]) -> Result:
    """Check the joined bot answer against the case's groups."""
    answer = " ".join(bot_texts).lower()
    missing = [g for g in case.expect if not any(p.lower() in answer for p in g)]
    forbidden = [p for p in case.forbid if p.lower() in answer]
    return Result(case=case, answer=answer, missing=missing, forbidden=forbidden)


def rest_sender(base_url: str, timeout: float = 30.0) -> Callable[[str, str], list[str]]:
    """A function that sends one message over the REST channel and returns the texts."""

    def send(sender: str, message: str) -> list[str]:
        body = json.dumps({"sender": sender, "message": message}).encode()
        request = urllib.request.Request(
            f"{base_url}/webhooks/rest/webhook",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            replies: list[dict[str, Any]] = json.loads(response.read())
        return [r["text"] for r in replies if r.get("text")]

    return send


def run_case(case: Case, send: Callable[[str, str], list[str]]) -> Result:
    """One case in a fresh conversation: its context first, then the judged question."""
    sender = f"eval-{case.id}-{uuid.uuid4().hex[:8]}"
    for message in case.context:
        send(sender, message)
    return judge(case, send(sender, case.question))


def evaluate(cases: list[Case], send: Callable[[str, str], list[str]]) -> list[Result]:
    """Run every case in a fresh conversation."""
    return [run_case(c, send) for c in cases]


def report(results: list[Result]) -> str:
    """Failing cases in detail, then the closing `N passed, N failed` line."""
    lines = []
    for r in results:
        if r.passed:
            continue
        lines.append(f"FAIL {r.case.id}: {r.case.question!r}")
        if r.case.context:
            lines.append(f"  after: {r.case.context!r}")
        for group in r.missing:
            lines.append(f"  missing one of: {group}")
        for phrase in r.forbidden:
            lines.append(f"  forbidden: {phrase!r}")
        lines.append(f"  answer: {r.answer[:300]!r}")
    passed = sum(r.passed for r in results)
    lines.append(f"faq_eval: {passed} passed, {len(results) - passed} failed")
    return "\n".join(lines)


def topic_of(case_id: str) -> str:
    """A case's topic group: its id without a trailing number (`cost-3` -> `cost`)."""
    return re.sub(r"-\d+$", "", case_id)


def by_topic(results: list[Result]) -> str:
    """One line per topic group, in the file's order: passed / total and the rate."""
    counts: dict[str, list[int]] = {}
    for r in results:
        passed_total = counts.setdefault(topic_of(r.case.id), [0, 0])
        passed_total[0] += r.passed
        passed_total[1] += 1
    width = max((len(t) for t in counts), default=0)
    return "\n".join(
        f"  {topic:<{width}}  {passed:>3}/{total:<3} {passed / total:6.1%}"
        for topic, (passed, total) in counts.items()
    )


def main(argv: list[str] | None = None) -> int:
    """Command line; exits non-zero when the pass rate is below ``--min-pass``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--url", help="a running Rasa server; default: start a private one")
    parser.add_argument("--min-pass", type=float, default=0.95)
    parser.add_argument(
        "--by-topic", action="store_true", help="also print the pass rate per topic group"
    )
    args = parser.parse_args(argv)
    cases = load_cases(args.cases)

    if args.url:
        results = evaluate(cases, rest_sender(args.url.rstrip("/")))
    else:
        from tools.stacks import private_stack

        with private_stack("eval") as url:
            results = evaluate(cases, rest_sender(url))

    rate = sum(r.passed for r in results) / max(1, len(results))
    print(f"pass rate {rate:.1%} (required {args.min_pass:.0%})")
    if args.by_topic:
        print("by topic (case id without its number):")
        print(by_topic(results))
    print(report(results))
    return 0 if rate >= args.min_pass else 1


if __name__ == "__main__":
    sys.exit(main())
