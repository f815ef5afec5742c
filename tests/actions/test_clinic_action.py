"""action_answer_clinic_question on tracker fixtures: facts from clinic.yml, or honesty."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.clinic_question import ActionAnswerClinicQuestion
from tests.helpers import make_tracker, rendered, user_event


async def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return rendered(dispatcher.messages), events


@pytest.fixture
def clinic_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "clinic.yml"
    monkeypatch.setenv("CLINIC_FILE", str(path))
    return path


async def test_a_configured_address_answers_where_the_clinic_is(clinic_file: Path) -> None:
    clinic_file.write_text("address: Seestrasse 1, 8000 Zürich, Switzerland\n")
    tracker = make_tracker([user_event("which country is the clinic in?", "clinic_location")])
    messages, events = await run(ActionAnswerClinicQuestion(), tracker)
    assert [m["text"] for m in messages] == [
        "The clinic's address: Seestrasse 1, 8000 Zürich, Switzerland. "
        "The advisor can help you plan the visit."
    ]
    assert events == []


async def test_an_unset_fact_is_answered_honestly_with_the_advisor_button(
    clinic_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clinic_file.write_text("name: Seeblick Klinik\n")
    monkeypatch.setenv("BUSINESS_HOURS", "Mon-Thu 08:00-12:00")
    tracker = make_tracker([user_event("are you open on saturdays", "clinic_hours")])
    (message,), _ = await run(ActionAnswerClinicQuestion(), tracker)
    assert message["text"].startswith("I don't have the clinic's opening hours here")
    assert "Mon-Thu 08:00-12:00" in message["text"]
    assert {"title": "Ask the advisor", "payload": "/request_human"} in message["buttons"]


async def test_a_file_broken_while_running_gives_the_honest_answer_not_a_guess(
    clinic_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clinic_file.write_text("phone: [\n")
    tracker = make_tracker([user_event("what's your phone number", "clinic_contact")])
    (message,), _ = await run(ActionAnswerClinicQuestion(), tracker)
    assert message["text"].startswith("I don't have the clinic's phone number, email or website")
    assert "clinic facts unavailable" in caplog.text


async def test_the_demo_clinic_names_itself() -> None:
    tracker = make_tracker([user_event("which clinic is this?", "clinic_name")])
    (message,), _ = await run(ActionAnswerClinicQuestion(), tracker)
    assert "Lakeside Joint Clinic (demo)" in message["text"]
