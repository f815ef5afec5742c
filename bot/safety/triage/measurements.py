"""Numbers with units that change the triage: blood sugar and body temperature.

"My sugar is 2.4" and "sugar 45 mg/dl" are the same emergency; "5.4 mmol/l at the
check-up" is not one. Each finding becomes a fact token (``fact:glucose_very_low``)
that the rules can name like a word, added to the sentence it was found in so that
negation and hypotheticals still apply.
"""

from __future__ import annotations

import re

# Blood sugar thresholds: ADA level 2 hypoglycaemia below 3.0 mmol/l (54 mg/dl); below
# 4 mmol/l (72 mg/dl) is a hypo to treat (NHS); very high from 20 mmol/l (360 mg/dl),
# where ketoacidosis becomes likely with vomiting or drowsiness.
MMOL_PER_MG_DL = 1 / 18.0
GLUCOSE_VERY_LOW = 3.0
GLUCOSE_LOW = 4.0
GLUCOSE_VERY_HIGH = 20.0
# Temperatures: fever from 38.0 °C (100.4 °F), very high from 40.0 °C (104 °F).
FEVER_C = 38.0
HIGH_FEVER_C = 40.0

_NUMBER = r"(\d{1,3}(?:[.,]\d{1,2})?)"
_SUGAR_WORD = (
    r"(?:blood ?sugar|sugar|glucose|glycaemia|glycemia|bg|bs|bz|blutzucker|zucker|"
    r"glycemie|glicemia|glucemia|azucar|glucosa|zuckerwert|sucre|taux de sucre|zucchero|"
    r"reading|meter)"
)
# French meters show g/l (1 g/l = 100 mg/dl).
_SUGAR = re.compile(
    rf"\b{_SUGAR_WORD}\b[^.?!\d]{{0,30}}{_NUMBER}\s*(mmol(?:/l)?|mg ?/ ?dl|mg|g ?/ ?l)?"
    rf"|{_NUMBER}\s*(mmol(?:/l)?|mg ?/ ?dl|g ?/ ?l)\b"
)
MG_DL_PER_G_L = 100
_TEMPERATURE = re.compile(
    rf"{_NUMBER}\s*(?:°|o|degrees?|grad|gradi|grados|degres)?\s*(c|f|celsius|fahrenheit)?\b"
)
# A bare decimal in the fever range ("since this morning I have 38.4") is a temperature
# when nothing else in the sentence names another measure.
_BARE_FEVER = re.compile(r"(?<![\d.,])(3[7-9]|4[0-2])[.,]\d(?!\d|[.,]\d|\s*(?:%|kg|mg|mmol|chf|fr|eur|years|yrs))")
_TEMPERATURE_WORD = re.compile(
    r"\b(temperature|temp|fever|febrile|thermometer|fieber|temperatur|fievre|febbre|"
    r"temperatura|fiebre|calentura|degrees?|grad|gradi|grados|degres)\b|°"
)


def _number(raw: str) -> float:
    return float(raw.replace(",", "."))


def _glucose_mmol(match: re.Match[str]) -> float | None:
    raw, unit = (match.group(1), match.group(2)) if match.group(1) else match.group(3, 4)
    value = _number(raw)
    if unit and unit.startswith("mg"):
        return value * MMOL_PER_MG_DL
    if unit and unit.startswith("g"):
        return value * MG_DL_PER_G_L * MMOL_PER_MG_DL
    if unit:
        return value
    # No unit: values above 35 are mg/dl (no one lives at 35 mmol/l and types it).
    return value * MMOL_PER_MG_DL if value > 35 else value


def _glucose_facts(sentence: str) -> set[str]:
    facts: set[str] = set()
    for match in _SUGAR.finditer(sentence):
        mmol = _glucose_mmol(match)
        if mmol is None or mmol <= 0.5:
            continue
        if mmol < GLUCOSE_VERY_LOW:
            facts |= {"glucose_very_low", "glucose_low"}
        elif mmol < GLUCOSE_LOW:
            facts.add("glucose_low")
        elif mmol >= GLUCOSE_VERY_HIGH:
            facts.add("glucose_very_high")
    return facts


def _celsius(value: float, unit: str | None) -> float | None:
    if unit in ("f", "fahrenheit") or (unit is None and 95 <= value <= 110):
        return (value - 32) * 5 / 9
    if 34 <= value <= 44:
        return value
    return None


def _temperatures(sentence: str) -> list[float]:
    """The body temperatures (°C) read in ``sentence``."""
    named = _TEMPERATURE_WORD.search(sentence)
    if not named and (_SUGAR.search(sentence) or not _BARE_FEVER.search(sentence)):
        return []
    readings = (_celsius(_number(m.group(1)), m.group(2)) for m in _TEMPERATURE.finditer(sentence))
    return [celsius for celsius in readings if celsius is not None]


def _temperature_facts(sentence: str) -> set[str]:
    facts: set[str] = set()
    for celsius in _temperatures(sentence):
        if celsius >= FEVER_C:
            facts.add("fever")
        if celsius >= HIGH_FEVER_C:
            facts.add("high_fever")
    return facts


def facts_in(sentence: str) -> set[str]:
    """The measurement facts of one normalised sentence."""
    return _glucose_facts(sentence) | _temperature_facts(sentence)



def measures_in(sentence: str) -> bool:
    """True when a blood sugar or a temperature is read in one normalised sentence,
    whatever its value."""
    return any(_glucose_mmol(m) for m in _SUGAR.finditer(sentence)) or bool(
        _temperatures(sentence)
    )
