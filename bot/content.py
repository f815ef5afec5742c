"""Everything the assistant says: the domain's responses, one place for medical review.

The texts live in ``data/responses/<topic>.yml`` (and ``domain.yml``), which Rasa merges
into its domain. Actions send them by name, with variables
(``dispatcher.utter_message(response=..., **variables)``); code outside Rasa's
dialogue (channels, the advisor's tools) renders them here. No module holds a text of
its own: a test checks it, and ``make content`` prints them all, grouped by topic.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.settings import PROJECT_ROOT

RESPONSES_DIR = PROJECT_ROOT / "data" / "responses"
DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
# Rasa's own placeholder syntax (rasa/core/nlg/interpolator.py): {name}.
_PLACEHOLDER = re.compile(r"\{([^\n{}]+?)\}")


@dataclass(frozen=True)
class Utterance:
    """A response of the domain to send, with the values of its ``{variables}``."""

    response: str
    variables: Mapping[str, Any] = field(default_factory=dict)


def response_files(root: Path = PROJECT_ROOT) -> list[Path]:
    """The files that hold responses: the domain, then one file per topic."""
    return [root / "domain.yml", *sorted((root / "data" / "responses").glob("*.yml"))]


def responses_by_file(root: Path = PROJECT_ROOT) -> dict[Path, dict[str, list[dict[str, Any]]]]:
    """Each file's responses, in file order (the topics of ``make content``)."""
    found = {}
    for path in response_files(root):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if data.get("responses"):
            found[path] = data["responses"]
    return found


@lru_cache(maxsize=1)
def responses() -> dict[str, list[dict[str, Any]]]:
    """Every response of the assistant, by name."""
    merged: dict[str, list[dict[str, Any]]] = {}
    for variants in responses_by_file().values():
        merged.update(variants)
    return merged


def placeholders(template: str) -> set[str]:
    """The variable names a response text expects."""
    return set(_PLACEHOLDER.findall(template))


def fill(template: str, variables: Mapping[str, Any]) -> str:
    """``template`` with its ``{name}`` placeholders replaced, as Rasa's NLG does."""
    missing = placeholders(template) - set(variables)
    if missing:
        raise KeyError(f"no value for {', '.join(sorted(missing))}")
    return _PLACEHOLDER.sub(lambda m: str(variables[m.group(1)]), template)


def text(name: str, /, **variables: Any) -> str:
    """The text of response ``name`` (its unconditional variation), filled in."""
    variants = responses()[name]
    # The variation for every channel: neither a condition nor a channel of its own.
    plain = next(
        (v for v in variants if not v.get("condition") and not v.get("channel")), variants[0]
    )
    return fill(plain["text"], variables)


def render(utterance: Utterance) -> str:
    """The text an ``Utterance`` becomes."""
    return text(utterance.response, **utterance.variables)
