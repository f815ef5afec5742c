"""Reads free-text answers to the pre-check questions.

A spaCy pipeline built in code (no downloaded model, DESIGN.md): a blank English
tokenizer, an entity ruler for conditions, time expressions and answer words, and a
negation component. ``read_answer`` turns its entities into yes / no / unsure for the
question that was asked, plus what the text said about the other questions (so that
"actually, I do have diabetes" corrects an earlier answer).

Deliberately conservative: when the text is ambiguous it asks once, then the answer
counts as "unsure" and the medical advisor clarifies. It never decides eligibility.

The ruler's patterns live in ``patterns.jsonl`` beside this module, one spaCy
EntityRuler pattern a line. A string pattern is a phrase, matched on the lower-cased
text and tokenized like it ("don't" -> do, n't); a list is a token pattern. Labels:

- ``INFECTION``, ``CANCER``, ``DIABETES``, ``CARDIO``, ``CARDIO_EVENT`` (heart attack,
  stroke), ``IMMUNODEFICIENCY``, ``IMMUNOSUPPRESSION``, ``HIV``: conditions, each
  speaking to one question (``CONDITION_LABELS``).
- ``OTHER_PERSON``: conditions of other people ("my mother had breast cancer") are not
  the patient's.
- ``RA_MEDICATION``: usual RA medication, which is no severe immunodeficiency.
- ``CONTROLLED``, ``UNCONTROLLED``: how well diabetes or a heart condition is controlled.
- ``CURRENT``, ``PAST``: whether a condition is going on or over.
- ``HEDGE``: uncertainty ("not sure", "maybe").
- ``TIME``: time expressions, resolved by ``_years_ago``; "in remission for 6 years"
  reads as an event that long ago.
- ``YES``, ``NO``: answer words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

# The slot names are re-exported: callers import them from here.
from bot.precheck.vocabulary import CANCER, IMMUNODEFICIENCY, INFECTION, UNCONTROLLED, Answer

# Found beside this module, whatever the working directory.
PATTERNS_PATH = Path(__file__).with_name("patterns.jsonl")

# Entity labels -> the question they speak to.
CONDITION_LABELS = {
    "INFECTION": INFECTION,
    "CANCER": CANCER,
    "DIABETES": UNCONTROLLED,
    "CARDIO": UNCONTROLLED,
    "CARDIO_EVENT": UNCONTROLLED,
    "IMMUNODEFICIENCY": IMMUNODEFICIENCY,
    "IMMUNOSUPPRESSION": IMMUNODEFICIENCY,
    "HIV": IMMUNODEFICIENCY,
}

CANCER_WINDOW_YEARS = 5.0
# A heart attack or stroke this recent means the condition is not (yet) stable.
RECENT_CARDIO_EVENT_YEARS = 1.0


NEGATION_CUES = {
    "no",
    "not",
    "n't",
    "never",
    "without",
    "none",
    "nor",
    "neither",
    "dont",
    "didnt",
    "denies",
    "nothing",
    "free",
}
# A clause boundary ends a negation's reach: "no infection, but diabetes".
SCOPE_BREAKS = {"but", "however", "though", "although", ",", ";", ".", "and", "except"}
NEGATION_WINDOW = 4

if not Span.has_extension("negated"):
    Span.set_extension("negated", default=False)


@Language.component("negation")
def mark_negations(doc: Doc) -> Doc:
    """Marks condition entities that a nearby cue negates ("no infections", "cancer-free")."""
    # "not" inside "not sure" hedges, it does not negate.
    hedged = {i for e in doc.ents if e.label_ == "HEDGE" for i in range(e.start, e.end)}
    for ent in doc.ents:
        if ent.label_ not in CONDITION_LABELS:
            continue
        start = ent.start
        for i in range(start - 1, max(-1, start - 1 - NEGATION_WINDOW), -1):
            lower = doc[i].lower_
            if lower in SCOPE_BREAKS:
                break
            if lower in NEGATION_CUES and i not in hedged:
                ent._.negated = True
                break
        # "cancer free", "cancer-free", "infection free"
        after = doc[ent.end : ent.end + 2]
        if any(t.lower_ in {"free", "-free"} for t in after):
            ent._.negated = True
    return doc


@lru_cache(maxsize=1)
def nlp() -> Language:
    """The pipeline, built once per process."""
    pipeline = spacy.blank("en")
    ruler = pipeline.add_pipe(
        "entity_ruler", config={"overwrite_ents": True, "phrase_matcher_attr": "LOWER"}
    )
    ruler.from_disk(PATTERNS_PATH)
    pipeline.add_pipe("negation")
    return pipeline


@dataclass(frozen=True)
class Reading:
    """What one free-text answer says.

    ``value`` answers the question that was asked (``None`` if the text does not);
    ``findings`` holds what it says about every question it mentions, the asked one
    included; ``clarify`` names what to ask again when the answer was incomplete.
    """

    value: Answer | None
    findings: dict[str, Answer] = field(default_factory=dict)
    clarify: str | None = None


_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "a": 1,
    "an": 1,
}
_UNIT_YEARS = {
    "year": 1.0,
    "yr": 1.0,
    "month": 1 / 12,
    "week": 1 / 52,
    "day": 1 / 365,
    "decade": 10.0,
}


def _years_ago(time_text: str, today: date) -> tuple[float, float] | None:
    """The range of years between a time expression and ``today``."""
    t = time_text.lower()
    year = re.search(r"\b(19|20)\d\d\b", t)
    if year:
        return _years_since(int(year.group(0)), today)
    if t == "recently":
        return (0.0, 1.0)
    m = re.match(r"(last|this|past) (\w+)", t)
    if m:
        return (0.0, 1.0) if m.group(2) != "year" or m.group(1) != "last" else (0.5, 2.0)
    return _duration_years(t)


def _years_since(year: int, today: date) -> tuple[float, float] | None:
    """The range of years between some day of ``year`` and ``today``; None for a future year."""
    if year > today.year:
        return None
    start = date(year, 1, 1)
    end = min(date(year, 12, 31), today)
    return ((today - end).days / 365.25, (today - start).days / 365.25)


def _duration_years(t: str) -> tuple[float, float] | None:
    """The range of years that an amount of time ("3 years", "a few months") spans."""
    unit_match = re.search(r"(year|yr|month|week|day|decade)s?", t)
    if not unit_match:
        return None
    unit = _UNIT_YEARS[unit_match.group(1)]
    if re.search(r"\b(few)\b", t):
        return (2 * unit, 4 * unit)
    if "couple" in t:
        return (2 * unit, 3 * unit)
    if "several" in t:
        return (3 * unit, 7 * unit)
    n = _count(t)
    if n is None:
        return None
    years = n * unit
    return (years, years)


def _count(t: str) -> float | None:
    """The number in ``t``, in digits or words."""
    count = re.search(r"\b(\d+(?:\.\d+)?)\b", t)
    if count:
        return float(count.group(1))
    return next((v for w, v in _NUMBER_WORDS.items() if re.search(rf"\b{w}\b", t)), None)


def _time_ranges(ents: Iterable[Span], today: date) -> list[tuple[float, float]]:
    """The year ranges of the time expressions among ``ents`` that can be resolved."""
    return [r for e in ents if (r := _years_ago(e.text, today)) is not None]


_QUESTION_START = re.compile(
    r"^\s*(what|how|why|when|where|who|which|can|could|does|do|is|are|will|would|should|"
    r"may|might|tell me|explain)\b",
    re.IGNORECASE,
)
_LEADING_ANSWER = re.compile(
    r"^\s*(yes|yeah|yep|no|nope|nah|not sure|i don'?t know)\b", re.IGNORECASE
)


def is_question(text: str) -> bool:
    """Whether ``text`` asks something rather than answers (for FAQ interruptions)."""
    if _LEADING_ANSWER.match(text):
        return False
    return text.strip().endswith("?") or bool(_QUESTION_START.match(text))


def _labels_near(doc: Doc, ent: Span, labels: set[str], window: int = 8) -> list[Span]:
    """Entities with ``labels`` in the same clause region around ``ent``."""
    return [e for e in doc.ents if e.label_ in labels and abs(e.start - ent.start) <= window]


# What one condition mention says: a value, or (None, what to clarify).
_Verdict = tuple[Answer | None, str | None]


@dataclass(frozen=True)
class _Mention:
    """One positive condition mention and what surrounds it."""

    doc: Doc
    ent: Span
    hedged: bool  # anywhere in the text, not only near the mention
    current: bool
    past: bool
    times: list[tuple[float, float]]

    def near(self, label: str) -> bool:
        return bool(_labels_near(self.doc, self.ent, {label}, window=10))


def _mention(doc: Doc, ent: Span, today: date) -> _Mention:
    return _Mention(
        doc=doc,
        ent=ent,
        hedged=any(e.label_ == "HEDGE" for e in doc.ents),
        current=bool(_labels_near(doc, ent, {"CURRENT"})),
        past=bool(_labels_near(doc, ent, {"PAST"})),
        times=_time_ranges(_labels_near(doc, ent, {"TIME"}, window=10), today),
    )


def _in_cancer_window(ranges: list[tuple[float, float]]) -> Answer:
    """Whether year ranges fall inside the 5-year window; unsure when they straddle it."""
    low = min(r[0] for r in ranges)
    high = max(r[1] for r in ranges)
    if high < CANCER_WINDOW_YEARS:
        return Answer.YES
    if low > CANCER_WINDOW_YEARS:
        return Answer.NO
    return Answer.UNSURE


def _read_infection(m: _Mention) -> _Verdict:
    if m.hedged:
        return Answer.UNSURE, None
    # "I've had a sore throat since Monday" is still going on.
    ongoing = m.current or any(t.lower_ == "since" for t in m.doc)
    if m.past and not ongoing:
        # Over and done with: "I had the flu last month".
        return Answer.NO, None
    if m.times and min(t[0] for t in m.times) > 0.1 and not m.current:
        return Answer.NO, None
    return Answer.YES, None


def _read_cancer(m: _Mention) -> _Verdict:
    if m.current and not m.past:
        return Answer.YES, None
    if m.times:
        return _in_cancer_window(m.times), None
    if m.hedged:
        return Answer.UNSURE, None
    return None, "cancer_when"


def _read_control(m: _Mention) -> _Verdict:
    """Diabetes or a heart condition: only an uncontrolled one is a contraindication."""
    if m.near("UNCONTROLLED"):
        return Answer.YES, None
    if m.hedged:
        # "probably fine" is no report of control; the advisor checks.
        return Answer.UNSURE, None
    if m.near("CONTROLLED"):
        return Answer.NO, None
    return None, "controlled"


def _read_cardio_event(m: _Mention) -> _Verdict:
    if m.near("UNCONTROLLED"):
        return Answer.YES, None
    if m.times and max(t[1] for t in m.times) <= RECENT_CARDIO_EVENT_YEARS:
        return Answer.YES, None
    # An older or undated event: stable or not, the advisor has to look at it.
    return Answer.UNSURE, None


def _read_immunodeficiency(m: _Mention) -> _Verdict:
    return (Answer.UNSURE, None) if m.hedged else (Answer.YES, None)


def _read_hiv(m: _Mention) -> _Verdict:
    # Well-treated HIV is not a severe immunodeficiency; the advisor clarifies.
    return Answer.UNSURE, None


_CONDITION_READERS: dict[str, Callable[[_Mention], _Verdict]] = {
    "INFECTION": _read_infection,
    "CANCER": _read_cancer,
    "DIABETES": _read_control,
    "CARDIO": _read_control,
    "CARDIO_EVENT": _read_cardio_event,
    "IMMUNODEFICIENCY": _read_immunodeficiency,
    "IMMUNOSUPPRESSION": _read_immunodeficiency,
    "HIV": _read_hiv,
}


def _read_condition(doc: Doc, ent: Span, today: date) -> _Verdict:
    """Value for one positive condition mention, or (None, what to clarify)."""
    read = _CONDITION_READERS.get(ent.label_)
    if read is None:
        return None, None
    return read(_mention(doc, ent, today))


_STRENGTH = {Answer.YES: 3, Answer.UNSURE: 2, Answer.NO: 1}


def _parse(text: str) -> Doc:
    # spaCy's contraction exceptions are case-sensitive ("DON'T" stays one token).
    return nlp()(text.lower().replace("’", "'"))


def _collect_findings(doc: Doc, today: date) -> tuple[dict[str, Answer], dict[str, str]]:
    """What the condition mentions say per question, and what they leave to clarify."""
    findings: dict[str, Answer] = {}
    clarify: dict[str, str] = {}
    for ent in doc.ents:
        question = CONDITION_LABELS.get(ent.label_)
        if question is None or _labels_near(doc, ent, {"OTHER_PERSON"}, window=6):
            continue
        value, why = (Answer.NO, None) if ent._.negated else _read_condition(doc, ent, today)
        if value is None:
            if why:
                clarify.setdefault(question, why)
            continue
        # Several mentions of one question: the most serious wins ("no heart disease
        # but uncontrolled diabetes" -> yes).
        if question not in findings or _STRENGTH[value] > _STRENGTH[findings[question]]:
            findings[question] = value
    return findings, clarify


def _settle_clarifications(
    findings: dict[str, Answer], clarify: dict[str, str], asked: str
) -> None:
    """Leave in ``clarify`` only what to ask again (both dicts change in place).

    A mention that needed clarifying is settled by a clear finding for the same question.
    """
    for question in list(clarify):
        if question in findings:
            del clarify[question]
        elif question != asked:
            # We only re-ask the current question; a loose mention of another one
            # ("actually, I do have diabetes") goes to the advisor as unsure.
            findings[question] = Answer.UNSURE
            del clarify[question]


def _bare_answer(asked: str, labels: set[str]) -> Answer | None:
    """The answer to ``asked`` from answer words alone, no condition named."""
    if asked == UNCONTROLLED and "UNCONTROLLED" in labels:
        return Answer.YES
    if asked == UNCONTROLLED and "CONTROLLED" in labels:
        # "yes, but it's under control": the condition exists and is controlled.
        return Answer.NO
    if "HEDGE" in labels:
        return Answer.UNSURE
    if "NO" in labels and "YES" not in labels:
        return Answer.NO
    if "YES" in labels and "NO" not in labels:
        return Answer.YES
    if asked == IMMUNODEFICIENCY and "RA_MEDICATION" in labels:
        # Usual RA medication is not a severe immunodeficiency (the question says so).
        return Answer.NO
    return None


def read_answer(text: str, asked: str, today: date | None = None) -> Reading:
    """Interpret ``text`` as the answer to the question ``asked`` (a slot name).

    ``asked`` may also name no condition question (``"precheck_consent"``): then only
    answer words ("yes", "no", "not sure") answer it.
    """
    today = today or date.today()
    doc = _parse(text)
    findings, clarify = _collect_findings(doc, today)
    _settle_clarifications(findings, clarify, asked)

    # Bare "yes"/"no" answer the asked question only if no other condition is named.
    speaks_of_others = any(q != asked for q in findings)
    if asked not in findings and asked not in clarify and not speaks_of_others:
        bare = _bare_answer(asked, {e.label_ for e in doc.ents})
        if bare is not None:
            findings[asked] = bare

    value = findings.get(asked)
    return Reading(
        value=value, findings=findings, clarify=clarify.get(asked) if value is None else None
    )


def _read_cancer_when(doc: Doc, today: date) -> Answer | None:
    """When the cancer was diagnosed or last treated -> in the 5-year window or not."""
    if re.search(r"\b(less than|under|within( the last)?|in the last) (5|five) years\b", doc.text):
        return Answer.YES
    if re.search(r"\b(more than|over|longer than) (5|five) years\b", doc.text):
        return Answer.NO
    if any(e.label_ == "CURRENT" for e in doc.ents):
        return Answer.YES
    ranges = _time_ranges((e for e in doc.ents if e.label_ == "TIME"), today)
    if not ranges:
        return None
    return _in_cancer_window(ranges)


def _read_well_controlled(labels: set[str]) -> Answer | None:
    """The answer to "Is it well controlled?", as the uncontrolled-condition question."""
    if "UNCONTROLLED" in labels:
        return Answer.YES
    if "CONTROLLED" in labels:
        return Answer.NO
    # Yes, well controlled: the condition is NOT uncontrolled.
    if "YES" in labels and "NO" not in labels:
        return Answer.NO
    if "NO" in labels and "YES" not in labels:
        return Answer.YES
    return None


def read_clarification(kind: str, text: str, today: date | None = None) -> Answer | None:
    """Read the answer to a clarifying question (see ``Reading.clarify``).

    ``cancer_when``: when the cancer was diagnosed or last treated -> in the 5-year
    window or not. ``controlled``: "Is it well controlled?" -> a yes means the
    condition is NOT uncontrolled. Anything else reads like a first answer.
    """
    today = today or date.today()
    doc = _parse(text)
    labels = {e.label_ for e in doc.ents}
    if "HEDGE" in labels:
        return Answer.UNSURE
    if kind == "cancer_when":
        return _read_cancer_when(doc, today)
    if kind == "controlled":
        return _read_well_controlled(labels)
    return None
