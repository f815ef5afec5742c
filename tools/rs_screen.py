"""Screen a response-selector configuration on one third of the FAQ examples.

`make nlu-cv` takes about 18 minutes (three folds, every intent, predictions on the
training folds too). This trains only on the FAQ examples (plus the lookup tables) of two thirds
of each topic and predicts the other third, in about four minutes, so that settings can
be compared on the same split before the full cross-validation confirms the winner.

    .venv/bin/python -m tools.rs_screen --config my-config.yml [--fold 0]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
FOLDS = 3
SPLIT_SEED = 7


def faq_examples(nlu_dir: Path) -> tuple[dict[str, list[str]], list[dict]]:
    """The FAQ examples by topic, and the lookup tables, from the NLU data files."""
    topics: dict[str, list[str]] = defaultdict(list)
    lookups: list[dict] = []
    for path in sorted(nlu_dir.glob("*.yml")):
        for item in yaml.safe_load(path.read_text())["nlu"]:
            if item.get("intent", "").startswith("faq/"):
                topics[item["intent"]] += [
                    ln.strip()[2:]
                    for ln in item["examples"].splitlines()
                    if ln.strip().startswith("- ")
                ]
            elif "lookup" in item:
                lookups.append(item)
    return topics, lookups


def split(
    topics: dict[str, list[str]], fold: int
) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    """Every third example of each shuffled topic is held out; the rest trains.

    Topics in the order the data files first name them, so a split is the same on every
    run as long as the data is.
    """
    rng = random.Random(SPLIT_SEED)
    train: dict[str, list[str]] = defaultdict(list)
    test: list[tuple[str, str]] = []
    for topic, examples in topics.items():
        shuffled = examples[:]
        rng.shuffle(shuffled)
        for i, text in enumerate(shuffled):
            if i % FOLDS == fold:
                test.append((text, topic))
            else:
                train[topic].append(text)
    return train, test


def write_training_data(folder: Path, train: dict[str, list[str]], lookups: list[dict]) -> None:
    items = [{"intent": t, "examples": "".join(f"- {x}\n" for x in xs)} for t, xs in train.items()]
    (folder / "nlu.yml").write_text(yaml.safe_dump({"version": "3.1", "nlu": items + lookups}))
    shutil.copy(ROOT / "data" / "responses" / "faq.yml", folder / "responses.yml")


async def accuracy(model_path: str, test: list[tuple[str, str]]) -> tuple[float, Counter]:
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    confusions: Counter = Counter()
    for text, topic in test:
        parsed = await agent.parse_message(text)
        predicted = parsed["response_selector"]["faq"]["response"]["intent_response_key"]
        if predicted != topic:
            confusions[(topic, predicted)] += 1
    return 1 - sum(confusions.values()) / len(test), confusions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="a Rasa config.yml to screen")
    parser.add_argument("--fold", type=int, default=0, choices=range(FOLDS))
    args = parser.parse_args()

    from rasa.model_training import train_nlu

    topics, lookups = faq_examples(ROOT / "data" / "nlu")
    train, test = split(topics, args.fold)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_training_data(folder, train, lookups)
        model = train_nlu(
            config=args.config,
            nlu_data=str(folder),
            output=str(folder / "models"),
            domain=str(ROOT / "domain.yml"),
        )
        score, confusions = asyncio.run(accuracy(model, test))
    print(f"{args.config} fold {args.fold}: response selection accuracy {score:.3f} on {len(test)}")
    for (topic, predicted), count in confusions.most_common(10):
        print(f"  {count:3}  {topic} -> {predicted}")


if __name__ == "__main__":
    main()
