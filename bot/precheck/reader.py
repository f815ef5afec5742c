"""Reads free-text answers to the pre-check questions.

A spaCy pipeline built in code (no downloaded model, DESIGN.md): a blank English
tokenizer, an entity ruler for conditions, time expressions and answer words, and a
negation component. ``read_answer`` turns its entities into yes / no / unsure for the
question that was asked, plus what the text said about the other questions (so that
"actually, I do have diabetes" corrects an earlier answer).

Deliberately conservative: when the text is ambiguous it asks once, then the answer
counts as "unsure" and the medical advisor clarifies. It never decides eligibility.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc, Span

from bot.precheck.rules import Answer

INFECTION = "active_infection"
CANCER = "cancer_last_5_years"
UNCONTROLLED = "uncontrolled_condition"
IMMUNODEFICIENCY = "severe_immunodeficiency"

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


def _words(*phrases: str) -> list[str]:
    """Phrase patterns; the ruler tokenizes them like the text ("don't" -> do, n't)."""
    return list(phrases)


def _patterns() -> list[dict]:
    p: list[tuple[str, list[dict] | str]] = []

    def add(label: str, *patterns: list[dict] | str) -> None:
        p.extend((label, pat) for pat in patterns)

    add(
        "INFECTION",
        [{"LOWER": {"REGEX": r"^(infection|infections|infected|infectious)$"}}],
        [{"LOWER": {"IN": ["a", "the", "head", "chest", "common", "bad"]}}, {"LOWER": "cold"}],
        *_words(
            "flu",
            "influenza",
            "covid",
            "covid-19",
            "corona",
            "pneumonia",
            "bronchitis",
            "uti",
            "cystitis",
            "sinusitis",
            "tonsillitis",
            "strep throat",
            "shingles",
            "tuberculosis",
            "tb",
            "hepatitis",
            "abscess",
            "cellulitis",
            "a fever",
            "fever",
            "antibiotics",
            "antibiotic",
            "sepsis",
            "gastro",
            "stomach bug",
            "virus",
            "a bug",
            "bladder infection",
            "sore throat",
            "chest infection",
        ),
    )
    add(
        "CANCER",
        [
            {
                "LOWER": {
                    "REGEX": r"^(cancer|cancers|tumou?rs?|malignan\w*|carcinoma|sarcoma|"
                    r"lymphoma|leuka?emia|melanoma|myeloma|metasta\w*|oncolog\w*)$"
                }
            }
        ],
        *_words(
            "chemo",
            "chemotherapy",
            "radiotherapy",
            "radiation therapy",
            "radiation",
            "in remission",
            "remission",
        ),
    )
    add(
        "DIABETES",
        [{"LOWER": {"REGEX": r"^(diabetes|diabetic|diabetis|diabeties|blood sugar|sugars?)$"}}],
        *_words("blood sugar", "type 1", "type 2", "insulin", "metformin", "hba1c"),
    )
    add(
        "CARDIO",
        *_words(
            "heart disease",
            "heart condition",
            "heart problems",
            "heart problem",
            "heart failure",
            "angina",
            "arrhythmia",
            "atrial fibrillation",
            "afib",
            "a-fib",
            "high blood pressure",
            "hypertension",
            "blood pressure",
            "cardiovascular disease",
            "cardiovascular",
            "coronary",
            "heart",
            "pacemaker",
            "stent",
            "bypass",
        ),
    )
    add(
        "CARDIO_EVENT",
        *_words("heart attack", "stroke", "mini stroke", "tia", "cardiac arrest", "infarction"),
    )
    add(
        "IMMUNODEFICIENCY",
        [
            {
                "LOWER": {
                    "REGEX": r"^(immunodeficien\w*|immunocompromised|immuno-compromised|scid|cvid|aids)$"
                }
            }
        ],
        *_words(
            "immune deficiency",
            "weak immune system",
            "weakened immune system",
            "no immune system",
            "immune system is weak",
            "immune system is very weak",
            "immune system doesn't work",
        ),
    )
    add(
        "IMMUNOSUPPRESSION",
        [{"LOWER": {"REGEX": r"^(immunosuppress\w*|immuno-suppress\w*|transplant\w*)$"}}],
        *_words(
            "anti-rejection",
            "anti rejection",
            "tacrolimus",
            "cyclosporine",
            "ciclosporin",
            "mycophenolate",
        ),
    )
    add("HIV", *_words("hiv"))
    # Conditions of other people ("my mother had breast cancer") are not the patient's.
    add(
        "OTHER_PERSON",
        *_words(
            "my mother",
            "my mum",
            "my mom",
            "my father",
            "my dad",
            "my sister",
            "my brother",
            "my aunt",
            "my uncle",
            "my grandmother",
            "my grandfather",
            "my grandma",
            "my grandpa",
            "my wife",
            "my husband",
            "my partner",
            "my son",
            "my daughter",
            "my friend",
            "my cousin",
            "family history",
            "runs in the family",
            "in my family",
        ),
    )
    add(
        "RA_MEDICATION",
        [
            {
                "LOWER": {
                    "REGEX": r"^(methotrexate|mtx|dmards?|biologics?|humira|"
                    r"enbrel|prednisone|prednisolone|steroids?|"
                    r"leflunomide|sulfasalazine|hydroxychloroquine|"
                    r"plaquenil|rituximab|tofacitinib|baricitinib)$"
                }
            }
        ],
    )
    add(
        "CONTROLLED",
        *_words(
            "well controlled",
            "well-controlled",
            "under control",
            "controlled",
            "in check",
            "stable",
            "managed",
            "well managed",
            "is fine",
            "are fine",
            "good control",
            "normal",
            "fine now",
            "fine",
            "ok",
            "okay",
        ),
    )
    add(
        "UNCONTROLLED",
        *_words(
            "uncontrolled",
            "not controlled",
            "poorly controlled",
            "out of control",
            "not under control",
            "badly controlled",
            "all over the place",
            "unstable",
            "not stable",
            "struggling with",
            "very high",
            "too high",
            "not well controlled",
            "not managed",
            "hard to control",
        ),
    )
    add(
        "CURRENT",
        *_words(
            "right now",
            "currently",
            "at the moment",
            "at present",
            "this week",
            "today",
            "still",
            "now",
            "ongoing",
            "active",
            "these days",
            "undergoing",
            "in treatment",
            "being treated",
            "i'm on",
            "i am on",
            "im on",
            "taking",
            "having",
            "getting",
        ),
    )
    add(
        "PAST",
        *_words(
            "had",
            "was",
            "were",
            "used to",
            "recovered",
            "cleared",
            "gone",
            "over",
            "finished",
            "ended",
            "survivor",
            "cured",
            "got over",
            "all clear",
        ),
    )
    add(
        "HEDGE",
        *_words(
            "maybe",
            "might",
            "possibly",
            "perhaps",
            "i think",
            "not sure",
            "unsure",
            "not certain",
            "don't know",
            "do not know",
            "dont know",
            "no idea",
            "can't remember",
            "cannot remember",
            "hard to say",
            "could be",
            "probably",
            "i guess",
            "not really sure",
            "i suppose",
            "i don't know",
            "i do not know",
            "i dont know",
            "i'm not sure",
            "i am not sure",
        ),
    )
    # Time expressions resolved by `_years_ago`.
    num = {"LIKE_NUM": True}
    unit = {"LOWER": {"REGEX": r"^(years?|yrs?|months?|weeks?|days?|decades?)$"}}
    add(
        "TIME",
        [num, unit, {"LOWER": "ago"}],
        [{"LOWER": {"IN": ["a", "an", "one"]}}, unit, {"LOWER": "ago"}],
        [{"LOWER": {"IN": ["few", "couple", "several"]}}, unit, {"LOWER": "ago"}],
        [
            {"LOWER": {"IN": ["a", "couple"]}},
            {"LOWER": {"IN": ["few", "of"]}},
            unit,
            {"LOWER": "ago"},
        ],
        [
            {"LOWER": {"IN": ["in", "since", "during", "around", "back", "from", "until", "till"]}},
            {"TEXT": {"REGEX": r"^(19|20)\d\d$"}},
        ],
        [{"TEXT": {"REGEX": r"^(19|20)\d\d$"}}],
        [
            {"LOWER": {"IN": ["last", "this", "past"]}},
            {
                "LOWER": {
                    "IN": ["year", "month", "week", "spring", "summer", "autumn", "fall", "winter"]
                }
            },
        ],
        [{"LOWER": "recently"}],
        [{"LOWER": "over"}, num, unit, {"LOWER": "ago"}],
        # "in remission for 6 years": the event lies that long ago.
        [{"LOWER": "for"}, num, unit],
        [{"LOWER": "for"}, {"LOWER": {"IN": ["a", "an", "one"]}}, unit],
    )
    add(
        "YES",
        *_words(
            "yes",
            "yeah",
            "yep",
            "yup",
            "y",
            "correct",
            "i do",
            "true",
            "affirmative",
            "sadly yes",
            "unfortunately yes",
        ),
    )
    add(
        "NO",
        *_words(
            "no",
            "nope",
            "nah",
            "n",
            "none",
            "never",
            "not at all",
            "i don't",
            "i do not",
            "i dont",
            "negative",
            "nothing like that",
            "not that i know of",
            "don't think so",
            "dont think so",
            "no way",
            "neither",
            "not me",
            "nothing",
            "not sick",
            "not ill",
            "healthy",
            "i'm fine",
            "i am fine",
            "all good",
            "immune system is not weak",
            "immune system is fine",
            "immune system is normal",
            "normal immune system",
            "healthy immune system",
            "absolutely not",
            "definitely not",
            "certainly not",
            "of course not",
            "none of those",
            "none of them",
            "none of these",
            "i don't think i have",
            "i dont think i have",
            "i don't have any",
            "not really",
        ),
    )
    return [{"label": label, "pattern": pattern} for label, pattern in p]


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
    ruler.add_patterns(_patterns())
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
        y = int(year.group(0))
        if y > today.year:
            return None
        start = date(y, 1, 1)
        end = min(date(y, 12, 31), today)
        return ((today - end).days / 365.25, (today - start).days / 365.25)
    if t == "recently":
        return (0.0, 1.0)
    m = re.match(r"(last|this|past) (\w+)", t)
    if m:
        return (0.0, 1.0) if m.group(2) != "year" or m.group(1) != "last" else (0.5, 2.0)
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
    count = re.search(r"\b(\d+(?:\.\d+)?)\b", t)
    n = float(count.group(1)) if count else None
    if n is None:
        n = next((v for w, v in _NUMBER_WORDS.items() if re.search(rf"\b{w}\b", t)), None)
    if n is None:
        return None
    years = n * unit
    return (years, years)


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


def _read_condition(doc: Doc, ent: Span, today: date) -> tuple[Answer | None, str | None]:
    """Value for one positive condition mention, or (None, what to clarify)."""
    label = ent.label_
    hedged = any(e.label_ == "HEDGE" for e in doc.ents)
    current = bool(_labels_near(doc, ent, {"CURRENT"}))
    past = bool(_labels_near(doc, ent, {"PAST"}))
    times = [_years_ago(e.text, today) for e in _labels_near(doc, ent, {"TIME"}, window=10)]
    times = [t for t in times if t is not None]

    if label == "INFECTION":
        if hedged:
            return Answer.UNSURE, None
        # "I've had a sore throat since Monday" is still going on.
        ongoing = current or any(t.lower_ == "since" for t in doc)
        if past and not ongoing:
            # Over and done with: "I had the flu last month".
            return Answer.NO, None
        if times and min(t[0] for t in times) > 0.1 and not current:
            return Answer.NO, None
        return Answer.YES, None

    if label == "CANCER":
        if current and not past:
            return Answer.YES, None
        if times:
            low = min(t[0] for t in times)
            high = max(t[1] for t in times)
            if high < CANCER_WINDOW_YEARS:
                return Answer.YES, None
            if low > CANCER_WINDOW_YEARS:
                return Answer.NO, None
            return Answer.UNSURE, None
        if hedged:
            return Answer.UNSURE, None
        return None, "cancer_when"

    if label in ("DIABETES", "CARDIO"):
        if _labels_near(doc, ent, {"UNCONTROLLED"}, window=10):
            return Answer.YES, None
        if hedged:
            # "probably fine" is no report of control; the advisor checks.
            return Answer.UNSURE, None
        if _labels_near(doc, ent, {"CONTROLLED"}, window=10):
            return Answer.NO, None
        return None, "controlled"

    if label == "CARDIO_EVENT":
        if _labels_near(doc, ent, {"UNCONTROLLED"}, window=10):
            return Answer.YES, None
        if times:
            if max(t[1] for t in times) <= RECENT_CARDIO_EVENT_YEARS:
                return Answer.YES, None
            # An older event: stable or not, the advisor has to look at it.
            return Answer.UNSURE, None
        return Answer.UNSURE, None

    if label in ("IMMUNODEFICIENCY", "IMMUNOSUPPRESSION"):
        return (Answer.UNSURE, None) if hedged else (Answer.YES, None)

    if label == "HIV":
        # Well-treated HIV is not a severe immunodeficiency; the advisor clarifies.
        return Answer.UNSURE, None
    return None, None


_STRENGTH = {Answer.YES: 3, Answer.UNSURE: 2, Answer.NO: 1}


def read_answer(text: str, asked: str, today: date | None = None) -> Reading:
    """Interpret ``text`` as the answer to the question ``asked`` (a slot name)."""
    today = today or date.today()
    # spaCy's contraction exceptions are case-sensitive ("DON'T" stays one token).
    doc = nlp()(text.lower().replace("’", "'"))
    findings: dict[str, Answer] = {}
    clarify: dict[str, str] = {}

    for ent in doc.ents:
        question = CONDITION_LABELS.get(ent.label_)
        if question is None:
            continue
        if _labels_near(doc, ent, {"OTHER_PERSON"}, window=6):
            continue
        if ent._.negated:
            value, why = Answer.NO, None
        else:
            value, why = _read_condition(doc, ent, today)
        if value is None:
            if why:
                clarify.setdefault(question, why)
            continue
        # Several mentions of one question: the most serious wins ("no heart disease
        # but uncontrolled diabetes" -> yes).
        if question not in findings or _STRENGTH[value] > _STRENGTH[findings[question]]:
            findings[question] = value

    # A mention that needed clarifying is settled by a clear finding for the same question.
    for question in list(clarify):
        if question in findings:
            del clarify[question]
        elif question != asked:
            # We only re-ask the current question; a loose mention of another one
            # ("actually, I do have diabetes") goes to the advisor as unsure.
            findings[question] = Answer.UNSURE
            del clarify[question]

    labels = {e.label_ for e in doc.ents}
    # Bare "yes"/"no" answer the asked question only if no other condition is named.
    speaks_of_others = any(q != asked for q in findings)
    if asked not in findings and asked not in clarify and not speaks_of_others:
        if asked == UNCONTROLLED and "UNCONTROLLED" in labels:
            findings[asked] = Answer.YES
        elif asked == UNCONTROLLED and "CONTROLLED" in labels:
            # "yes, but it's under control": the condition exists and is controlled.
            findings[asked] = Answer.NO
        elif "HEDGE" in labels:
            findings[asked] = Answer.UNSURE
        elif "NO" in labels and "YES" not in labels:
            findings[asked] = Answer.NO
        elif "YES" in labels and "NO" not in labels:
            findings[asked] = Answer.YES
        elif asked == IMMUNODEFICIENCY and "RA_MEDICATION" in labels:
            # Usual RA medication is not a severe immunodeficiency (the question says so).
            findings[asked] = Answer.NO

    value = findings.get(asked)
    return Reading(
        value=value, findings=findings, clarify=clarify.get(asked) if value is None else None
    )


def read_clarification(kind: str, text: str, today: date | None = None) -> Answer | None:
    """Read the answer to a clarifying question (see ``Reading.clarify``).

    ``cancer_when``: when the cancer was diagnosed or last treated -> in the 5-year
    window or not. ``controlled``: "Is it well controlled?" -> a yes means the
    condition is NOT uncontrolled. Anything else reads like a first answer.
    """
    today = today or date.today()
    doc = nlp()(text.lower().replace("’", "'"))
    labels = {e.label_ for e in doc.ents}
    if "HEDGE" in labels:
        return Answer.UNSURE
    if kind == "cancer_when":
        if re.search(
            r"\b(less than|under|within( the last)?|in the last) (5|five) years\b", doc.text
        ):
            return Answer.YES
        if re.search(r"\b(more than|over|longer than) (5|five) years\b", doc.text):
            return Answer.NO
        ranges = [r for e in doc.ents if e.label_ == "TIME" and (r := _years_ago(e.text, today))]
        if any(e.label_ == "CURRENT" for e in doc.ents):
            return Answer.YES
        if not ranges:
            return None
        low, high = min(r[0] for r in ranges), max(r[1] for r in ranges)
        if high < CANCER_WINDOW_YEARS:
            return Answer.YES
        if low > CANCER_WINDOW_YEARS:
            return Answer.NO
        return Answer.UNSURE
    if kind == "controlled":
        if "UNCONTROLLED" in labels:
            return Answer.YES
        if "CONTROLLED" in labels:
            return Answer.NO
        if "YES" in labels and "NO" not in labels:
            return Answer.NO
        if "NO" in labels and "YES" not in labels:
            return Answer.YES
        return None
    return None
