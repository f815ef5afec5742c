"""Advice-request detection: personal medical questions are caught, general ones are not."""

import pytest

from bot.safety.advice_requests import detect_advice_request

PERSONAL_REQUESTS = [
    # dosing
    ("I missed my methotrexate, should I take two tomorrow", "dosing"),
    ("I forgot my dose yesterday, should I double it today?", "dosing"),
    ("how much prednisone should I take during a flare?", "dosing"),
    ("is 25 mg of methotrexate too much for me?", "dosing"),
    ("what dose of folic acid should I be on?", "dosing"),
    ("how many ibuprofen can I take a day?", "dosing"),
    ("can I double up on my tablets?", "dosing"),
    ("I take 10 mg of prednisolone, is that safe?", "dosing"),
    ("I forgot my Enbrel injection on Sunday, can I inject it today?", "dosing"),
    # doses asked in general are still doses
    ("what's the normal dose of prednisolone in a flare?", "dosing"),
    ("how is methotrexate usually dosed?", "dosing"),
    ("typical Humira dose?", "dosing"),
    ("what dosage of ibuprofen is standard for arthritis pain", "dosing"),
    ("Methotrexate is taken weekly. How is it dosed per week, usually?", "dosing"),
    ("the usual steroid dose for an RA flare", "dosing"),
    # test results
    ("my anti-CCP is positive, what does that mean for me", "test_results"),
    ("my CRP came back at 40, is that bad?", "test_results"),
    ("what do my blood test results mean?", "test_results"),
    ("my rheumatoid factor is high, should I worry?", "test_results"),
    ("my x-ray shows erosions, is that bad?", "test_results"),
    ("I got my bloods back, can you explain them?", "test_results"),
    ("my test showed a positive ANA, what now?", "test_results"),
    # one's own report quoted at length before the question
    ("My MRI report says synovitis and bone marrow oedema in both wrists. Is that serious?", "test_results"),
    ("my ultrasound letter mentions effusion in the left knee, what should I make of it?", "test_results"),
    ("my lab results show a ferritin of 12 and a low MCV, does that change anything for the stem cells?", "test_results"),
    # diagnosis
    ("my wrists ache every morning, could it be RA?", "diagnosis"),
    ("my hands are stiff, do I have arthritis?", "diagnosis"),
    ("could my knee pain be gout?", "diagnosis"),
    ("my fingers are swollen, is this a flare?", "diagnosis"),
    ("what's wrong with me, my joints hurt all the time", "diagnosis"),
    ("can you diagnose me?", "diagnosis"),
    # suitability
    ("is stem cell therapy right for my mum", "suitability"),
    ("is the therapy right for me?", "suitability"),
    ("would the therapy be worth it for me?", "suitability"),
    ("is stem cell therapy a good option for my husband?", "suitability"),
    ("should my mum have the stem cell treatment?", "suitability"),
    ("should I try stem cells?", "suitability"),
    ("what would you do in my shoes?", "suitability"),
    ("which is better for me, Humira or the stem cells?", "suitability"),
    ("would you recommend the therapy for my daughter?", "suitability"),
    ("pretend you're my doctor and tell me what to do", "suitability"),
    # medication change
    ("should I switch to a biologic", "medication_change"),
    ("can I stop my prednisone?", "medication_change"),
    ("should I stop taking methotrexate before the therapy?", "medication_change"),
    ("can I come off my steroids now?", "medication_change"),
    ("should I start Rinvoq?", "medication_change"),
    ("can I replace methotrexate with turmeric?", "medication_change"),
    ("is it safe to combine ibuprofen with my methotrexate?", "medication_change"),
    ("may I pause my Humira before the injections?", "medication_change"),
    ("should I reduce my prednisolone?", "medication_change"),
]

# Upper case, curly apostrophes and stray whitespace must not hide a request.
ODDLY_TYPED_REQUESTS = [
    ("SHOULD I STOP MY METHOTREXATE?", "medication_change"),
    ("I don’t know, should I stop my meds?", "medication_change"),
    ("what’s wrong with my hands?", "diagnosis"),
    ("pretend you’re my doctor", "suitability"),
    ("IS STEM CELL THERAPY RIGHT FOR MY MUM", "suitability"),
    ("  my   CRP   came back   high  ", "test_results"),
]

GENERAL_QUESTIONS = [
    "what are the side effects?",
    "is the therapy safe?",
    "how is RA diagnosed?",
    "what does it cost?",
    "how much does it cost for me?",
    "can I get this treatment?",
    "am I a candidate?",
    "who is the therapy for?",
    "what is CRP?",
    "what are anti-CCP antibodies?",
    "what is methotrexate?",
    "how many cells are given in one session?",
    "what is the dose of stem cells in one treatment?",
    "how are the stem cells dosed?",
    "can methotrexate be taken with the stem cell therapy?",
    "what is a biologic?",
    "how often are the injections?",
    "I take 15 mg methotrexate weekly",
    "I take methotrexate and prednisone",
    "I had cancer 3 years ago",
    "I have had RA for 10 years",
    "my mum has RA",
    "does the therapy replace my medication?",
    "what tests do I need before the treatment?",
    "my MRI report says I have RA. How much does the therapy cost?",
    "my x-ray report shows RA in my hands, can I book the free consultation?",
    "what does an x-ray report usually say about RA?",
    "can I bring my husband?",
    "what are my options?",
    "yes",
    "no",
    "",
    "   ",
]

# Phrasings the first version of the rules missed or filed under the wrong kind.
FORMER_GAPS = [
    pytest.param(
        "is this treatment suitable for me?",
        "suitability",
    ),
    pytest.param(
        "is this therapy right for my father?",
        "suitability",
    ),
    pytest.param(
        "would stem cells help me?",
        "suitability",
    ),
    pytest.param(
        "I'm on 20 mg prednisone, can I go down to 10?",
        "dosing",
    ),
    pytest.param(
        "what does a high ESR mean for me?",
        "test_results",
    ),
    pytest.param(
        "I'm thinking of stopping Humira, is that ok?",
        "medication_change",
    ),
    pytest.param(
        "my doctor wants me on Enbrel, should I take it?",
        "medication_change",
    ),
    pytest.param(
        "would it be ok for me to stop my steroids?",
        "medication_change",
    ),
    pytest.param(
        "is it safe for me to stop my prednisone?",
        "medication_change",
    ),
    pytest.param(
        "my liver values went up, is that from the drugs?",
        "test_results",
    ),
]


@pytest.mark.parametrize(("text", "kind"), PERSONAL_REQUESTS)
def test_personal_requests_are_detected(text: str, kind: str) -> None:
    request = detect_advice_request(text)
    assert request is not None, text
    assert request.kind == kind


def test_every_kind_is_covered() -> None:
    kinds = {kind for _, kind in PERSONAL_REQUESTS}
    assert kinds == {"dosing", "test_results", "diagnosis", "suitability", "medication_change"}


@pytest.mark.parametrize(("text", "kind"), ODDLY_TYPED_REQUESTS)
def test_case_apostrophes_and_spacing_do_not_matter(text: str, kind: str) -> None:
    request = detect_advice_request(text)
    assert request is not None, text
    assert request.kind == kind


@pytest.mark.parametrize("text", GENERAL_QUESTIONS)
def test_general_questions_are_not_advice_requests(text: str) -> None:
    assert detect_advice_request(text) is None


@pytest.mark.parametrize(("text", "kind"), FORMER_GAPS)
def test_known_gaps(text: str, kind: str) -> None:
    request = detect_advice_request(text)
    assert request is not None, text
    assert request.kind == kind


def test_general_phrasing_becomes_a_request_once_it_is_personal() -> None:
    assert detect_advice_request("can RA be diagnosed with a blood test?") is None
    request = detect_advice_request("my blood test came back, do I have RA?")
    assert request is not None


def test_match_shows_the_words_that_triggered_it() -> None:
    request = detect_advice_request("Hello! Should I stop my Methotrexate before the therapy?")
    assert request is not None
    assert request.matched == "should i stop my methotrexate"
