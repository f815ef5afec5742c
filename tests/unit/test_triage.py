"""The safety net's engine: levels, negation, hypotheticals, measurements, combinations,
typos, and the rule data a clinician reviews."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.content import responses_by_file
from bot.safety.triage.engine import triage
from bot.safety.triage.levels import Level
from bot.safety.triage.measurements import facts_in
from bot.safety.triage.normalise import TypoMender, fold
from bot.safety.triage.ruleset import RULES_DIR, languages, load_categories, load_language

LANGUAGES = ("en", "de", "fr", "it", "es")


def _level(message: str) -> str | None:
    finding = triage(message)
    return finding.level.value if finding else None


def _category(message: str) -> str | None:
    finding = triage(message)
    return finding.category if finding else None


# --- the rule data ---------------------------------------------------------------------


def test_every_category_names_a_level_a_source_and_existing_guidance_in_each_language() -> None:
    responses = {name for by_name in responses_by_file().values() for name in by_name}
    for category in load_categories().values():
        assert category.source.strip() and category.what.strip(), category.name
        for code in LANGUAGES:
            name = category.guidance if code == "en" else f"{category.guidance}_{code}"
            assert name in responses, (category.name, name)


def test_every_language_has_rules_for_every_category() -> None:
    categories = set(load_categories())
    loaded = {language.code: language for language in languages()}
    assert set(loaded) == set(LANGUAGES)
    for code, language in loaded.items():
        covered = {rule.category.name for rule in language.rules}
        assert covered == categories, (code, sorted(categories - covered))


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("rules:\n  - category: nosuch\n    any: ['x']\n", "unknown category"),
        ("rules:\n  - category: bleeding\n    any: ['{nosuch}']\n", "unknown term"),
        ("negations: [no]\nrules: []\n", "quote every word"),
    ],
)
def test_mistakes_in_a_rule_file_are_named(tmp_path: Path, body: str, error: str) -> None:
    path = tmp_path / "xx.yml"
    path.write_text("language: xx\n" + body, encoding="utf-8")
    with pytest.raises(ValueError, match=error):
        load_language(path, load_categories())


def test_rule_ids_are_unique_and_say_language_and_category() -> None:
    ids = [rule.id for language in languages() for rule in language.rules]
    assert len(ids) == len(set(ids))
    for rule in (rule for language in languages() for rule in language.rules):
        assert rule.id.startswith(f"{rule.language}.{rule.category.name}.")


def test_the_rule_files_are_valid_yaml_with_their_language_code() -> None:
    for path in RULES_DIR.glob("*.yml"):
        assert yaml.safe_load(path.read_text(encoding="utf-8"))["language"] == path.stem


# --- levels -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "level"),
    [
        ("my chest feels crushed and I'm sweating", "emergency"),
        ("my 2 year old got into the dishwasher tabs and ate one", "poison"),
        ("I've been stockpiling my sleeping pills", "crisis"),
        ("my partner hits me when he's drunk", "crisis"),
        ("I have 38.6 and I'm on methotrexate", "urgent"),
        ("what does the treatment cost?", None),
    ],
)
def test_each_level_has_its_typical_message(message: str, level: str | None) -> None:
    assert _level(message) == level


def test_the_most_serious_finding_wins() -> None:
    # Poison (by mistake) and breathing trouble: the emergency comes first.
    assert _level("I took 20 tablets by mistake and now I can't breathe") == "emergency"


def test_levels_rank_from_emergency_to_routine() -> None:
    ranks = [level.rank for level in Level]
    assert ranks == sorted(ranks, reverse=True)


# --- context: negation, hypotheticals, history --------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        "no fever, no chills, just stiff hands",
        "I don't have any chest pain",
        "what if I got a fever after the injection?",
        "can the injection cause chest pain?",
        "is it normal if the injected knee feels warm?",
        "I had sepsis in 2019 and fully recovered, does that matter?",
        "my dad had one seizure as a child",
        "this price is choking me",
    ],
)
def test_negated_hypothetical_and_past_mentions_are_routine(message: str) -> None:
    assert triage(message) is None, triage(message)


@pytest.mark.parametrize(
    "message",
    [
        "no I'm not joking, I can't breathe",
        "not sure but I think I'm having a heart attack",
        "can the treatment help if I want to end my life?",
        "what if I'm having a heart attack right now?",
    ],
)
def test_a_cue_or_a_question_does_not_hide_a_real_red_flag(message: str) -> None:
    assert triage(message) is not None


# --- measurements and combinations --------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "facts"),
    [
        ("my blood sugar is 2.4", {"glucose_very_low", "glucose_low"}),
        ("sugar 45 mg/dl", {"glucose_very_low", "glucose_low"}),
        ("glucose 3.6 mmol/l", {"glucose_low"}),
        ("my sugar was 5.4 mmol/l at the check-up", set()),
        ("blutzucker 28 mmol", {"glucose_very_high"}),
        ("sugar reading 480", {"glucose_very_high"}),
        ("temperature 38.4", {"fever"}),
        ("i have 38.4 since this morning.", {"fever"}),
        ("fever of 104 f", {"fever", "high_fever"}),
        ("temperature normal at 36.9", set()),
        ("it costs 38.5 chf", set()),
    ],
)
def test_numbers_with_units_become_facts(sentence: str, facts: set[str]) -> None:
    assert facts_in(fold(sentence)) == facts


@pytest.mark.parametrize(
    ("message", "category"),
    [
        ("high fever, shaking chills and I feel faint since the injection", "sepsis"),
        ("I have a fever and my knee is hot and swollen after the injection", "sepsis"),
        ("fever and chills since last night", "infection_signs"),
        ("the knee they injected is hot and swollen, no fever", "injection_site"),
        ("fever 38.5 on rituximab, otherwise fine", "fever_immunosuppressed"),
        ("sugar is 1.9 and he's very sleepy", "diabetic_emergency"),
        ("sugar 27.5 mmol/l and I'm vomiting", "diabetic_emergency"),
        ("bumped my head on the cupboard, I'm on warfarin", "head_injury"),
    ],
)
def test_combinations_and_measurements_find_their_category(message: str, category: str) -> None:
    assert _category(message) == category


def test_fever_alone_is_routine() -> None:
    assert triage("I have a slight fever today") is None


# --- typos and language -------------------------------------------------------------


def test_typos_one_letter_away_are_mended_but_real_words_are_kept() -> None:
    mender = TypoMender(["breathing", "fever", "unconscious"], keep=["fewer"])
    assert mender.mend("cant breatching") == "cant breathing"
    assert mender.mend("unconcious") == "unconscious"
    assert mender.mend("fewer visits") == "fewer visits"


def test_accents_case_and_apostrophes_are_folded() -> None:
    assert fold("J’ai très MAL à la poitrine") == "j'ai tres mal a la poitrine"
    assert fold("Straße") == "strasse"


def test_the_guidance_is_in_the_language_of_the_message() -> None:
    english = triage("I can't breathe")
    assert english is not None and english.response == "utter_emergency"
    for message, code in [
        ("ich krieg keine luft mehr", "de"),
        ("j'arrive plus a respirer", "fr"),
        ("non riesco a respirare", "it"),
        ("no puedo respirar", "es"),
    ]:
        finding = triage(message)
        assert finding is not None and finding.language == code, (message, finding)
        assert finding.response == f"utter_emergency_{code}"
