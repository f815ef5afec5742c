"""The training data and the answers follow the project's content rules (DESIGN.md)."""

import re
from pathlib import Path

import pytest
import yaml

from bot.content import render, responses, text
from bot.precheck.reader import read_answer, read_clarification
from bot.privacy.notice import consent_withdrawn, erased, privacy_notice
from bot.safety.disclaimer import DISCLAIMER
from tests.content_rules import forbidden_claims_in

ROOT = Path(__file__).resolve().parents[2]


def _nlu_examples() -> dict[str, list[str]]:
    examples: dict[str, list[str]] = {}
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for item in yaml.safe_load(path.read_text())["nlu"]:
            if "intent" in item:
                lines = [
                    ln[2:].strip() for ln in item["examples"].splitlines() if ln.startswith("- ")
                ]
                examples.setdefault(item["intent"], []).extend(lines)
    return examples


EXAMPLES = _nlu_examples()
RESPONSES = responses()
FAQ_TOPICS = sorted(i.split("/", 1)[1] for i in EXAMPLES if i.startswith("faq/"))


def test_every_faq_topic_has_an_answer_and_every_answer_a_topic() -> None:
    answered = sorted(k.split("/", 1)[1] for k in RESPONSES if k.startswith("utter_faq/"))
    assert answered == FAQ_TOPICS


def test_the_article_topics_are_all_covered() -> None:
    required = {
        "what_is_ra",
        "ra_vs_oa",
        "symptoms",
        "joint_damage",
        "standard_treatments",
        "stem_cells",
        "msc",
        "cell_sources",
        "mechanism",
        "effectiveness",
        "cure",
        "indications",
        "contraindications",
        "cancer_history",
        "advantages",
        "safety",
        "autologous_allogeneic",
        "improvements",
        "cost",
        "procedure",
        "recovery",
        "medical_evaluation",
        "personalised",
        "consultation",
        "references",
        "evidence",
        "medication",
        "duration",
    }
    assert required <= set(FAQ_TOPICS)


@pytest.mark.parametrize("intent", sorted(EXAMPLES))
def test_intents_have_enough_distinct_examples(intent: str) -> None:
    examples = EXAMPLES[intent]
    assert len(examples) >= 20
    assert len({e.lower() for e in examples}) == len(examples)


def test_no_example_belongs_to_two_intents() -> None:
    owner: dict[str, str] = {}
    clashes = []
    for intent, examples in EXAMPLES.items():
        for example in examples:
            key = re.sub(r"[^a-z0-9 ]", "", example.lower()).strip()
            if owner.setdefault(key, intent) != intent:
                clashes.append((example, owner[key], intent))
    assert clashes == []


def _buttons():
    for name, variants in RESPONSES.items():
        for variant in variants:
            for button in variant.get("buttons", []):
                yield name, button


def test_text_buttons_send_a_trained_example_of_a_faq_topic() -> None:
    # Retrieval intents cannot be triggered by a /payload (rasa#6370): a button must
    # send text the model was trained on, so it always lands on its topic.
    faq_examples = {e for i, ex in EXAMPLES.items() if i.startswith("faq/") for e in ex}
    intents = set(yaml.safe_load((ROOT / "domain.yml").read_text())["intents"])
    for name, button in _buttons():
        payload = button["payload"]
        if payload.startswith("/"):
            assert payload[1:] in intents, (name, payload)
        elif name.startswith("utter_ask_"):
            continue  # form answers, read by the pre-check parser (next test)
        else:
            assert payload in faq_examples, (name, payload)


def test_form_answer_buttons_are_understood_by_the_pre_check_parser() -> None:
    checked = 0
    for name, variants in RESPONSES.items():
        if not name.startswith("utter_ask_"):
            continue
        slot = name.removeprefix("utter_ask_")
        if slot.startswith("lead_"):
            continue  # the lead form's buttons: see the next test
        for variant in variants:
            kind = (
                variant["condition"][0]["value"].split(":")[1] if variant.get("condition") else None
            )
            for button in variant.get("buttons", []):
                payload = button["payload"]
                if kind in ("cancer_when", "controlled"):
                    assert read_clarification(kind, payload) is not None, (name, payload)
                else:
                    assert read_answer(payload, slot).value is not None, (name, payload)
                checked += 1
    assert checked >= 30


def test_every_faq_answer_offers_a_next_step() -> None:
    for name, variants in RESPONSES.items():
        if name.startswith("utter_faq/"):
            assert all(v.get("buttons") for v in variants), name


def test_no_answer_promises_a_cure_approval_or_eligibility() -> None:
    for name, variants in RESPONSES.items():
        for variant in variants:
            assert forbidden_claims_in(variant["text"]) == [], name


def test_efficacy_answers_keep_the_hedge() -> None:
    hedges = (
        "may",
        "vary",
        "varies",
        "not guaranteed",
        "no one can promise",
        "cannot be guaranteed",
        "possible",
    )
    for topic in ("effectiveness", "cure", "mechanism", "improvements", "advantages", "msc"):
        text = RESPONSES[f"utter_faq/{topic}"][0]["text"].lower()
        assert any(h in text for h in hedges), topic


def test_evidence_answer_states_the_approval_status_and_trial_numbers() -> None:
    text = RESPONSES["utter_faq/evidence"][0]["text"]
    assert "not approved" in text
    for fact in ("FDA", "EMA", "Ryoncil", "358", "53", "2023"):
        assert fact in text


def test_greeting_discloses_the_bot_and_the_disclaimer() -> None:
    text = RESPONSES["utter_greet"][0]["text"]
    assert "automated assistant" in text and "not medical advice" in text
    assert "112" in text


def test_emergency_answer_gives_numbers_and_a_crisis_line() -> None:
    text = RESPONSES["utter_emergency"][0]["text"]
    for number in ("112", "144", "143", "911", "local emergency number"):
        assert number in text


def test_texts_sent_from_code_make_no_forbidden_claim_either() -> None:
    from bot.privacy.erasure import ErasureReport

    report = ErasureReport({"precheck_results": 1})
    texts = [
        text(DISCLAIMER),
        render(privacy_notice(180)),
        render(erased(report)),
        render(consent_withdrawn(report, 180)),
    ]
    for said in texts:
        assert forbidden_claims_in(said) == [], said


def test_the_treatment_disclaimer_is_honest_about_approval_and_results() -> None:
    text_ = text(DISCLAIMER)
    assert "not medical advice" in text_ and "not approved" in text_ and "vary" in text_


def test_the_advice_refusal_explains_why_and_points_to_the_doctor_and_the_advisor() -> None:
    variant = RESPONSES["utter_medical_advice"][0]
    assert "can't give personal medical advice" in variant["text"]
    assert "doctor" in variant["text"] and "rheumatologist" in variant["text"]
    assert {"payload": "/request_human", "title": "Talk to an advisor"} in variant["buttons"]


def test_the_privacy_notice_is_in_the_menu_and_says_what_why_how_long_and_who() -> None:
    payloads = {b["payload"] for b in RESPONSES["utter_menu"][0]["buttons"]}
    assert "/privacy" in payloads
    notice = render(privacy_notice(90))
    for part in ("What is stored", "Why", "90 days", "Who sees it", "delete my data"):
        assert part in notice


def test_lead_form_buttons_are_understood_by_its_reader() -> None:
    from bot.leads.form import read_lead_answer

    checked = 0
    for name, variants in RESPONSES.items():
        if not name.startswith("utter_ask_lead_"):
            continue
        slot = name.removeprefix("utter_ask_")
        for variant in variants:
            # On WhatsApp the number the patient writes from is offered.
            offered = "+41791234567" if variant.get("channel") == "whatsapp" else None
            for button in variant.get("buttons", []):
                answer = read_lead_answer(
                    slot, button["payload"], "a@b.ch", "+41791234567", offered
                )
                assert answer is not None, (name, button["payload"])
                checked += 1
    assert checked >= 9
