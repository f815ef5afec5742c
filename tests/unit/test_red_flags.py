"""Red-flag detection: emergencies are caught, FAQ questions about symptoms are not."""

import pytest

from bot.safety.red_flags import detect_red_flag

EMERGENCIES = [
    ("I have crushing chest pain and I can't breathe", "chest_pain"),
    ("my chest feels really tight and it hurts", "chest_pain"),
    ("I think I'm having a heart attack", "chest_pain"),
    ("i cant breathe properly", "breathing"),
    ("I'm struggling to breathe since the injection", "breathing"),
    ("my husband's face is drooping and his speech is slurred", "stroke"),
    ("my left arm suddenly went numb and weak", "stroke"),
    ("my throat is swelling after the injection", "anaphylaxis"),
    ("I'm having a severe allergic reaction", "anaphylaxis"),
    ("the bleeding won't stop", "bleeding"),
    ("I'm bleeding heavily from the injection site", "bleeding"),
    (
        "I have a fever and my knee is hot and swollen after the injection",
        "sepsis",
    ),
    ("my mother collapsed and is unconscious", "unconscious"),
    ("I want to kill myself", "suicidal"),
    ("I've been having suicidal thoughts", "suicidal"),
    ("sometimes I just want to sleep forever", "suicidal"),
    ("I don't want to wake up anymore", "suicidal"),
    ("everyone would be better off without me", "suicidal"),
    ("I'm going to take all my pills tonight", "suicidal"),
    ("I CAN’T BREATHE", "breathing"),
    # A racing heart with faintness (these were read as a measurement and explained away).
    ("my heart rate is 180 and I feel faint", "chest_pain"),
    ("my pulse is 190 and I feel faint", "chest_pain"),
    ("heart rate 180, dizzy and faint", "chest_pain"),
    ("my heart is racing and I'm about to pass out", "chest_pain"),
    ("palpitations and short of breath right now", "chest_pain"),
    # Typos, no keywords, other word orders (issue 4: "a rare phrasing is still caught").
    ("chest hurtin bad cant breth", "chest_pain"),
    ("there's a weight on my chest and I'm all clammy", "chest_pain"),
    ("my lips are going blue", "breathing"),
    ("his speech is all jumbled and his face isn't moving on one side", "stroke"),
    ("my tongue feels thick and huge", "anaphylaxis"),
    ("blood keeps pouring from the cut", "bleeding"),
    (
        "the hip they injected is red and swollen and I'm shivering with 39.2",
        "sepsis",
    ),
    ("temperature of 40 and my injected knee is burning hot", "sepsis"),
    ("my wife is jerking on the floor and won't wake up", "unconscious"),
    ("I'm going to end it for good", "suicidal"),
    ("I won't be around much longer anyway", "suicidal"),
    ("I've written goodbye letters to my family", "suicidal"),
    ("what's the point of carrying on", "suicidal"),
    ("I took the whole packet of my tablets an hour ago", "self_harm_act"),
    ("how many tablets would it take to not wake up", "suicidal"),
    ("I just want to close my eyes and never wake again", "suicidal"),
]

NOT_EMERGENCIES = [
    "what heart rate is normal?",
    "my ECG showed a heart rate of 52 at rest, is that bad?",
    "does the injection cause chest pain?",
    "can stem cell therapy cause breathing problems?",
    "is bleeding a common side effect of the treatment?",
    "what are the risks of an allergic reaction to the injections?",
    "I had a heart attack two years ago, can I still get the therapy?",
    "What is rheumatoid arthritis?",
    "my joints are stiff in the morning",
    "how much does it cost?",
    "",
    "   ",
    "my knee is swollen, is that RA?",
    "Quick question about side effects: can the injections cause shortness of breath?",
    "can the therapy cause a fever and a swollen knee?",
    "my hands are swollen and hot in the morning",
    "I had a fever last month but it's gone",
    "how much blood do you take for the cells?",
    "my dad died of a heart attack years ago",
]


@pytest.mark.parametrize(("text", "category"), EMERGENCIES)
def test_emergencies_are_detected(text: str, category: str) -> None:
    flag = detect_red_flag(text)
    assert flag is not None, text
    assert flag.category == category


@pytest.mark.parametrize("text", NOT_EMERGENCIES)
def test_ordinary_questions_are_not_emergencies(text: str) -> None:
    assert detect_red_flag(text) is None


def test_self_harm_is_never_explained_away_as_a_general_question() -> None:
    flag = detect_red_flag("can the treatment help if I want to end my life?")
    assert flag is not None and flag.category == "suicidal"


def test_an_emergency_in_an_over_long_message_keeps_its_excerpt() -> None:
    from bot.safety.red_flags import EXCERPT_CONTEXT_CHARS, red_flag_excerpt

    story = "my knees have been stiff for years and " * 800
    text = story + "now suddenly I can't breathe and my chest hurts. " + story
    excerpt = red_flag_excerpt(text)
    assert excerpt is not None and len(excerpt) < 2 * EXCERPT_CONTEXT_CHARS + 100
    assert detect_red_flag(excerpt) is not None
    assert red_flag_excerpt(story) is None
