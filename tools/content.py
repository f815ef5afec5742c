"""``make content``: everything the assistant can say, grouped by topic, for medical review.

Prints every response of the domain (``data/responses/<topic>.yml`` and ``domain.yml``)
as Markdown: each variation with the condition under which it is used, its buttons,
and the ``{variables}`` that the code fills in. Nothing the assistant says is missing:
a test fails if a module sends a text of its own. Then the safety net's rules: each
category with its level, the guidance it gets, its public source and its rules per
language, so a clinician can review when which guidance is sent.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.content import placeholders, responses_by_file
from bot.safety.triage.ruleset import languages, load_categories
from bot.settings import PROJECT_ROOT


def _topic(path: Path) -> str:
    """The topic a file holds: its first comment line, else its name."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
        break
    return path.stem


def _condition(variant: dict[str, Any]) -> str:
    parts = [f"{c.get('name')} = {c.get('value')!r}" for c in variant.get("condition") or []]
    return f" (when {', '.join(parts)})" if parts else ""


def listing(root: Path = PROJECT_ROOT) -> str:
    """The whole review document."""
    lines = ["# What the assistant says", ""]
    total = 0
    for path, responses in responses_by_file(root).items():
        lines += [f"## {_topic(path)}", f"`{path.relative_to(root)}`", ""]
        for name, variants in responses.items():
            total += 1
            lines.append(f"### {name}")
            for variant in variants:
                text = variant.get("text", "")
                filled = sorted(placeholders(text))
                lines.append(f"-{_condition(variant)}")
                lines += [f"  > {row}" if row else "  >" for row in text.splitlines()]
                if filled:
                    lines.append(f"  variables: {', '.join(filled)}")
                for button in variant.get("buttons") or []:
                    lines.append(f"  [{button['title']}] -> {button['payload']}")
            lines.append("")
    lines.append(f"{total} responses.")
    return "\n".join(lines)


def safety_rules() -> str:
    """The safety net's categories, most serious level first, with sources and rules."""
    rules_by_category: dict[str, list[tuple[str, int]]] = {}
    for language in languages():
        for rule in language.rules:
            patterns = len(rule.any) + len(rule.all)
            rules_by_category.setdefault(rule.category.name, []).append((rule.language, patterns))
    categories = sorted(load_categories().values(), key=lambda c: -c.level.rank)
    lines = [
        "# The safety net's rules",
        "",
        "`bot/safety/triage/categories.yml`, `bot/safety/triage/rules/<language>.yml`",
        "",
    ]
    for category in categories:
        by_language: dict[str, list[int]] = {}
        for code, patterns in rules_by_category.get(category.name, []):
            counts = by_language.setdefault(code, [0, 0])
            counts[0] += 1
            counts[1] += patterns
        lines += [
            f"### {category.name}: {category.level.value}",
            f"- what: {category.what}",
            f"- guidance: `{category.guidance}` (in the message's language)",
            f"- source: {category.source}",
            "- rules (patterns): "
            + ", ".join(f"{code} {n} ({p})" for code, (n, p) in sorted(by_language.items())),
            "",
        ]
    total = sum(len(rules) for rules in rules_by_category.values())
    lines.append(f"{len(categories)} categories, {total} rules.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the listing, or write it to ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, help="write to this file instead of stdout")
    args = parser.parse_args(argv)
    document = listing() + "\n\n" + safety_rules()
    if args.out:
        args.out.write_text(document + "\n", encoding="utf-8")
    else:
        sys.stdout.write(document + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


