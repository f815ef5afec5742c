"""Loads the safety net's rules: categories with their level and source, and the
patterns of each language (``rules/<language>.yml``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from bot.safety.triage.levels import Level
from bot.safety.triage.normalise import TypoMender, fold, strip_accents

HERE = Path(__file__).parent
CATEGORIES_FILE = HERE / "categories.yml"
RULES_DIR = HERE / "rules"
_TERM = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Category:
    """A kind of danger, as a clinician reviews it."""

    name: str
    level: Level
    guidance: str
    what: str
    source: str
    always_current: bool = False


@dataclass(frozen=True)
class Rule:
    """Patterns of one category in one language.

    The rule fires when one ``any`` pattern matches, or when every ``all`` pattern
    matches somewhere in the message (a combination such as fever plus chills plus the
    injection).
    """

    id: str
    category: Category
    language: str
    any: tuple[re.Pattern[str], ...] = ()
    all: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True)
class Language:
    """One language's rules and the words that frame them."""

    code: str
    rules: tuple[Rule, ...]
    markers: frozenset[str]
    negations: frozenset[str]
    post_negations: frozenset[str]
    fillers: frozenset[str]
    hypotheticals: tuple[re.Pattern[str], ...]
    happening_now: tuple[re.Pattern[str], ...]
    mender: TypoMender = field(repr=False)


def load_categories(path: Path = CATEGORIES_FILE) -> dict[str, Category]:
    """The categories of ``categories.yml``, by name."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["categories"]
    return {
        name: Category(
            name=name,
            level=Level(item["level"]),
            guidance=item["guidance"],
            what=item["what"],
            source=item["source"],
            always_current=bool(item.get("always_current", False)),
        )
        for name, item in raw.items()
    }


def _expand(pattern: str, terms: dict[str, str], where: str) -> re.Pattern[str]:
    def term(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in terms:
            raise ValueError(f"{where}: unknown term {{{name}}}")
        return f"(?:{terms[name]})"

    return _compile(_TERM.sub(term, pattern))


def _compile(pattern: str) -> re.Pattern[str]:
    # Rules are written like the text they match, without accents; lower-casing the
    # pattern itself would turn \\S into \\s, so case is ignored instead.
    return re.compile(strip_accents(pattern), re.IGNORECASE)


def _words(raw: dict, key: str, path: Path) -> frozenset[str]:
    values = raw.get(key) or ()
    # YAML reads a bare no, si or on as a boolean: those words must be quoted.
    wrong = [v for v in values if not isinstance(v, str)]
    if wrong:
        raise ValueError(f"{path.name}: {key} holds {wrong!r}; quote every word")
    return frozenset(fold(v) for v in values)


def load_language(path: Path, categories: dict[str, Category]) -> Language:
    """One ``rules/<language>.yml`` file, compiled."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    code = raw["language"]
    terms = {name: strip_accents(value) for name, value in (raw.get("terms") or {}).items()}
    rules = []
    counts: dict[str, int] = {}
    for item in raw["rules"]:
        name = item["category"]
        if name not in categories:
            raise ValueError(f"{path.name}: unknown category {name!r}")
        counts[name] = counts.get(name, 0) + 1
        rule_id = f"{code}.{name}.{counts[name]}"
        rules.append(
            Rule(
                id=rule_id,
                category=categories[name],
                language=code,
                any=tuple(_expand(p, terms, rule_id) for p in item.get("any") or ()),
                all=tuple(_expand(p, terms, rule_id) for p in item.get("all") or ()),
            )
        )
    return Language(
        code=code,
        rules=tuple(rules),
        markers=_words(raw, "markers", path),
        negations=_words(raw, "negations", path),
        post_negations=_words(raw, "post_negations", path),
        fillers=_words(raw, "fillers", path),
        hypotheticals=tuple(_compile(p) for p in raw.get("hypotheticals") or ()),
        happening_now=tuple(_compile(p) for p in raw.get("happening_now") or ()),
        mender=TypoMender(_words(raw, "words", path), _words(raw, "not_typos", path)),
    )


@dataclass(frozen=True)
class Cues:
    """Negation cues and filler words of every language together: a message in one
    language can match another language's rule ("suicid..." is the same word in
    several), and its own language's negation must still count."""

    negations: frozenset[str]
    post_negations: frozenset[str]
    fillers: frozenset[str]


@lru_cache(maxsize=1)
def cues() -> Cues:
    """The cues of all languages."""
    loaded = languages()
    return Cues(
        negations=frozenset().union(*(lang.negations for lang in loaded)),
        post_negations=frozenset().union(*(lang.post_negations for lang in loaded)),
        fillers=frozenset().union(*(lang.fillers for lang in loaded)),
    )


@lru_cache(maxsize=1)
def languages() -> tuple[Language, ...]:
    """Every language's rules, English first."""
    categories = load_categories()
    paths = sorted(RULES_DIR.glob("*.yml"), key=lambda p: (p.stem != "en", p.stem))
    return tuple(load_language(path, categories) for path in paths)
