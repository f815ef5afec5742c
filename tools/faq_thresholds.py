"""Measures "Did you mean …?" thresholds on the FAQ evaluation sets (development tool).

For each question of ``shared/eval/faq_dev.yml`` and ``tests/eval/faq_extra.yml`` that
the model reads as a FAQ, the ResponseSelector's best answer is judged as the FAQ
evaluation judges it (``tools.faq_eval.judge``). For a grid of ``MIN_CONFIDENCE`` and
``MIN_MARGIN`` values it prints, per set, how many right answers would become a
question the evaluation fails (lost), how many wrong answers would become a question
(caught), and how many questions still pass (their topic titles hold the expected
words). ``bot/faq_choice.py`` takes the largest values that lose nothing.

    python -m tools.faq_thresholds --model models/ra-assistant.tar.gz
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass
from pathlib import Path

from bot.content import text
from bot.faq_choice import (
    CHOICE,
    FAQ_INTENT,
    SOMETHING_ELSE_TITLE,
    TITLES,
    answer_response,
    is_unsure,
    ranking_of,
)
from tools.faq_eval import DEFAULT_CASES, judge, load_cases

EXTRA_CASES = Path(__file__).resolve().parent.parent / "tests" / "eval" / "faq_extra.yml"
CONFIDENCES = (0.1, 0.12, 0.14, 0.16, 0.2, 0.25, 0.3, 0.4)
MARGINS = (0.0, 0.01, 0.02, 0.03, 0.05, 0.1, 0.2)


@dataclass(frozen=True)
class Measured:
    """One FAQ question: its ranking, whether the best answer passes, and whether
    "Did you mean …?" would (its titles may hold the expected words)."""

    ranking: list
    right: bool
    question_passes: bool


async def measure(model: Path, path: Path) -> list[Measured]:
    """The FAQ questions of ``path`` as the model at ``model`` reads them."""
    from rasa.core.agent import load_agent

    agent = await load_agent(model_path=str(model))
    measured = []
    for case in load_cases(path):
        parse = await agent.parse_message(case.question)
        ranking = ranking_of(parse)
        if parse["intent"]["name"] != FAQ_INTENT or not ranking:
            continue  # not the FAQ rule's turn: no threshold changes its answer
        right = judge(case, [text(answer_response(ranking[0].key))]).passed
        options = [r.key for r in ranking[:2]]
        titles = [text(TITLES[k]) for k in options if k in TITLES]
        asked = [text(CHOICE), *titles, text(SOMETHING_ELSE_TITLE)]
        measured.append(Measured(ranking, right, judge(case, asked).passed))
    return measured


def row(measured: list[Measured], confidence: float, margin: float) -> str:
    """Lost / caught / still passing for one pair of thresholds."""
    unsure = [m for m in measured if is_unsure(m.ranking, confidence, margin)]
    lost = sum(m.right and not m.question_passes for m in unsure)
    caught = sum(not m.right for m in unsure)
    kept = sum(m.question_passes for m in unsure)
    return f"lost {lost:2} caught {caught:2} (passing {kept})"


def main(argv: list[str] | None = None) -> int:
    """Command line: print the grid for both sets."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, required=True)
    args = parser.parse_args(argv)
    sets = {"dev": DEFAULT_CASES, "extra": EXTRA_CASES}
    results = {name: asyncio.run(measure(args.model, path)) for name, path in sets.items()}
    for name, measured in results.items():
        right = [m for m in measured if m.right]
        print(f"{name}: {len(measured)} FAQ questions, best answer right for {len(right)}")
    print("confidence margin | " + " | ".join(sets))
    for confidence in CONFIDENCES:
        for margin in MARGINS:
            cells = [row(results[name], confidence, margin) for name in sets]
            print(f"{confidence:10.2f} {margin:6.2f} | " + " | ".join(cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
