"""The advisor inbox against a fake Rasa HTTP API: the queue and its waiting times, the
transcript, claim / reply / canned reply / hand back (what Rasa receives: the advisor's
display name, the text, the token), undeliverable replies, the live fragment."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy import text as sql

from bot.console.app import create_app
from bot.console.inbox import canned_replies
from bot.content import text as response_text
from bot.handoff.advisor import ADVISOR_JOINED, HANDED_BACK
from bot.settings import load_settings
from bot.store.db import session_scope
from bot.store.models import AdvisorDelivery, AuditEntry, Handoff, StaffSession
from tests.console.conftest import add_staff, csrf, sign_in
from tests.console.fake_rasa_api import FakeRasaApi
from tests.console.test_leads import XSS, seed_lead
from tests.content_rules import forbidden_claims_in

TOKEN = "t" * 32


@pytest.fixture
def fake_rasa(database_url: str) -> Iterator[FakeRasaApi]:
    fake = FakeRasaApi(database_url, TOKEN)
    yield fake
    fake.close()


@pytest.fixture
def app(database_url: str, fake_rasa: FakeRasaApi) -> Flask:
    settings = replace(
        load_settings({}, read_dotenv=False),
        database_url=database_url,
        rasa_interface="127.0.0.1",
        rasa_port=fake_rasa.port,
        rasa_api_token=TOKEN,
    )
    settings = replace(settings, console=replace(settings.console, first_response_minutes=15))
    return create_app(settings)


def handoff_of(database_url: str, conversation_id: str) -> Handoff:
    with session_scope(database_url) as session:
        return session.execute(
            select(Handoff).where(Handoff.conversation_id == conversation_id)
        ).scalar_one()


def waiting(
    database_url: str,
    fake: FakeRasaApi,
    conversation_id: str = "c-1",
    name: str = "Anna Patient",
    minutes_ago: int = 5,
    channel: str = "socketio",
) -> int:
    """A lead whose handoff waits, with a message from the patient."""
    created = datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)
    seed_lead(
        database_url, conversation_id, name, handoff="waiting", channel=channel, created_at=created
    )
    fake.patient_says(conversation_id, "Can I talk to a person, please?", channel)
    return handoff_of(database_url, conversation_id).id


def actions(database_url: str) -> list[tuple[str, str, str | None, dict | None]]:
    with session_scope(database_url) as session:
        return [
            (entry.staff_email, entry.action, entry.target_id, entry.detail)
            for entry in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
        ]


def post(client, url: str, **data: str):
    return client.post(url, data={**data, "csrf_token": csrf(client)})


# --- The queue --------------------------------------------------------------------------


def test_no_inbox_page_or_fragment_without_login(client, database_url, fake_rasa) -> None:
    handoff_id = waiting(database_url, fake_rasa)
    for path in ("/inbox/", f"/inbox/{handoff_id}", "/inbox/live", f"/inbox/{handoff_id}/live"):
        assert client.get(path).status_code == 302, path
        assert client.get(path, headers={"X-Requested-With": "fetch"}).status_code == 401, path
    assert client.post(f"/inbox/{handoff_id}/reply", data={"text": "hi"}).status_code == 400
    assert fake_rasa.calls == []


def test_the_queue_lists_waiting_and_live_handoffs_oldest_first(
    advisor, database_url, fake_rasa
) -> None:
    waiting(database_url, fake_rasa, "c-new", "Newer Patient", minutes_ago=3)
    waiting(database_url, fake_rasa, "c-old", "Older Patient", minutes_ago=40, channel="telegram")
    seed_lead(database_url, "c-live", "Live Patient", handoff="active")
    with session_scope(database_url) as session:
        live = session.execute(
            select(Handoff).where(Handoff.conversation_id == "c-live")
        ).scalar_one()
        live.advisor, live.taken_at = "Dr. Weber", live.created_at
        # A closed handoff is not in the queue.
        session.add(Handoff(conversation_id="c-closed", status="closed", reason="lead"))
    page = advisor.get("/inbox/").get_data(as_text=True)
    waiting_part, live_part = page.split('id="live-heading"')
    assert waiting_part.index("Older Patient") < waiting_part.index("Newer Patient")
    assert "Waiting (2)" in waiting_part and "target 15 min" in waiting_part
    assert "40 min" in waiting_part and "Telegram" in waiting_part
    # Only the one past the first-response target is overdue.
    assert waiting_part.count("Overdue") == 1
    older_row = waiting_part[waiting_part.index("Older Patient") :].split("</tr>")[0]
    assert "Overdue" in older_row
    assert "Live Patient" in live_part and "Dr. Weber" in live_part
    assert "c-closed" not in page
    # The polled fragment is the same queue, without the page around it.
    fragment = advisor.get("/inbox/live", headers={"X-Requested-With": "fetch"})
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "Older Patient" in body and "<html" not in body


# --- A handoff's page ---------------------------------------------------------------------


def test_the_page_shows_the_transcript_escaped_and_is_audited(
    advisor, database_url, fake_rasa
) -> None:
    handoff_id = waiting(database_url, fake_rasa, name=XSS)
    fake_rasa.patient_says("c-1", '<img src=x onerror="alert(2)"> is it safe?')
    fake_rasa.store("c-1", [{"event": "bot", "text": "I'm the clinic's assistant."}])
    page = advisor.get(f"/inbox/{handoff_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Can I talk to a person, please?" in html and "clinic&#39;s assistant" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=" in html
    assert XSS not in html and "&lt;script&gt;" in html
    assert f'data-poll-url="/inbox/{handoff_id}/live"' in html
    assert 'aria-live="polite"' in html
    assert ("advisor@clinic.test", "handoff.view", str(handoff_id), None) in actions(database_url)
    # Canned replies are offered, and none says what the assistant must never say.
    for canned in canned_replies():
        assert canned.title in html
        assert forbidden_claims_in(canned.text) == [], canned.key
    assert advisor.get("/inbox/999").status_code == 404


def test_new_patient_messages_reach_the_polled_fragment(advisor, database_url, fake_rasa) -> None:
    handoff_id = waiting(database_url, fake_rasa)
    headers = {"X-Requested-With": "fetch"}
    before = advisor.get(f"/inbox/{handoff_id}/live", headers=headers).get_data(as_text=True)
    assert 'data-patient-count="1"' in before
    fake_rasa.patient_says("c-1", "Hello? Are you there?")
    after = advisor.get(f"/inbox/{handoff_id}/live", headers=headers).get_data(as_text=True)
    assert "Hello? Are you there?" in after and 'data-patient-count="2"' in after
    # Polling is not an audit entry each time (opening the page is).
    assert not [a for a in actions(database_url) if a[1] == "handoff.view"]


# --- Claim, reply, hand back ------------------------------------------------------------


def test_claiming_pauses_the_assistant_and_others_see_who_has_it(
    advisor, app, database_url, fake_rasa
) -> None:
    handoff_id = waiting(database_url, fake_rasa)
    response = post(advisor, f"/inbox/{handoff_id}/claim")
    assert response.status_code == 302
    events = fake_rasa.appended("c-1")
    assert [e["event"] for e in events] == ["pause", "bot"]
    assert events[1]["text"] == response_text(ADVISOR_JOINED)
    assert events[1]["metadata"] == {"handoff": "joined", "advisor": "Anna Meier"}
    assert all(call.query["token"] == TOKEN for call in fake_rasa.calls)
    handoff = handoff_of(database_url, "c-1")
    assert (handoff.status, handoff.advisor) == ("active", "Anna Meier")
    assert ("advisor@clinic.test", "handoff.claim", str(handoff_id), {"taken_over_from": None}) in (
        actions(database_url)
    )

    # A colleague sees who has it, may not write over them, but may take over.
    colleague = app.test_client()
    add_staff(database_url, "ben@clinic.test", name="Ben Keller")
    sign_in(colleague, "ben@clinic.test")
    page = colleague.get(f"/inbox/{handoff_id}").get_data(as_text=True)
    assert "Live with <strong>Anna Meier</strong>" in page
    assert "Take over from Anna Meier" in page and 'name="text"' not in page
    calls = len(fake_rasa.calls)
    refused = post(colleague, f"/inbox/{handoff_id}/reply", text="Hi, Ben here")
    assert "Anna Meier has this conversation" in refused.get_data(as_text=True)
    assert len(fake_rasa.calls) == calls
    assert post(colleague, f"/inbox/{handoff_id}/claim").status_code == 302
    assert handoff_of(database_url, "c-1").advisor == "Ben Keller"
    # Taking over pauses again (idempotent) and does not announce a second "joined".
    assert [e["event"] for e in fake_rasa.appended("c-1")] == ["pause", "bot", "pause"]
    assert (
        "ben@clinic.test",
        "handoff.claim",
        str(handoff_id),
        {"taken_over_from": "Anna Meier"},
    ) in actions(database_url)


def test_a_reply_reaches_rasa_under_the_advisors_display_name(
    advisor, database_url, fake_rasa
) -> None:
    handoff_id = waiting(database_url, fake_rasa)
    response = post(
        advisor, f"/inbox/{handoff_id}/reply", text="  Hello Anna, this is Anna Meier.  "
    )
    assert response.status_code == 302
    [tracker_read] = [c for c in fake_rasa.calls if c.method == "GET"]
    assert tracker_read.query["include_events"] == "ALL"
    [append] = [c for c in fake_rasa.calls if c.method == "POST"]
    assert append.query["output_channel"] == "latest" and append.query["token"] == TOKEN
    pause, joined, message = append.body
    assert pause == {"event": "pause"} and joined["metadata"]["handoff"] == "joined"
    assert message == {
        "event": "bot",
        "text": "Hello Anna, this is Anna Meier.",
        "metadata": {"advisor": "Anna Meier"},
    }
    assert handoff_of(database_url, "c-1").status == "active"
    page = advisor.get(response.headers["Location"]).get_data(as_text=True)
    assert "Sent to the patient." in page
    assert "Advisor Anna Meier" in page and "Hello Anna, this is Anna Meier." in page
    assert (
        "advisor@clinic.test",
        "handoff.reply",
        str(handoff_id),
        {"canned": None, "chars": 31},
    ) in actions(database_url)


def test_a_reply_works_when_the_session_is_touched_in_the_same_request(
    advisor, database_url, fake_rasa
) -> None:
    """The request's own write (the session's last-seen time) must not lock SQLite
    against the handoff update that the advisor's functions make in their own
    transaction."""
    handoff_id = waiting(database_url, fake_rasa)
    token = csrf(advisor)
    with session_scope(database_url) as session:
        for staff_session in session.execute(select(StaffSession)).scalars():
            staff_session.last_seen_at = datetime.now(timezone.utc) - timedelta(minutes=2)
    started = time.monotonic()
    response = advisor.post(
        f"/inbox/{handoff_id}/reply", data={"text": "Hello", "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert time.monotonic() - started < 3
    assert handoff_of(database_url, "c-1").status == "active"


def test_a_canned_reply_sends_its_text(advisor, database_url, fake_rasa) -> None:
    handoff_id = waiting(database_url, fake_rasa)
    canned = canned_replies()[0]
    assert post(advisor, f"/inbox/{handoff_id}/reply", canned=canned.key).status_code == 302
    assert fake_rasa.appended("c-1")[-1]["text"] == canned.text
    assert post(advisor, f"/inbox/{handoff_id}/reply", canned="no-such").status_code == 400


def test_a_reply_outside_the_whatsapp_window_is_refused_and_kept(
    advisor, database_url, fake_rasa
) -> None:
    handoff_id = waiting(database_url, fake_rasa, "+41791234567", channel="whatsapp")
    # The only patient message is older than 24 hours.
    with session_scope(database_url) as session:
        session.execute(
            sql("UPDATE events SET data = :d WHERE sender_id = :c"),
            {
                "d": '{"event": "user", "text": "hi", "input_channel": "whatsapp",'
                f' "timestamp": {time.time() - 25 * 3600}}}',
                "c": "+41791234567",
            },
        )
    response = post(advisor, f"/inbox/{handoff_id}/reply", text="Are you still interested?")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Not delivered: WhatsApp only allows replies within 24 hours" in html
    assert 'role="alert"' in html
    assert ">Are you still interested?</textarea>" in html  # the advisor's text is kept
    assert fake_rasa.appended("+41791234567") == []
    assert handoff_of(database_url, "+41791234567").status == "waiting"
    [failed] = [a for a in actions(database_url) if a[1] == "handoff.reply_failed"]
    assert "24 hours" in failed[3]["reason"]


def test_rasa_unreachable_or_failing_is_shown_as_not_delivered(
    advisor, database_url, fake_rasa
) -> None:
    handoff_id = waiting(database_url, fake_rasa)
    fake_rasa.fail_with = 500
    html = post(advisor, f"/inbox/{handoff_id}/reply", text="Hello").get_data(as_text=True)
    assert "Not delivered" in html and "has not received it" in html
    assert handoff_of(database_url, "c-1").status == "waiting"
    fake_rasa.close()  # Rasa is down altogether
    html = post(advisor, f"/inbox/{handoff_id}/reply", text="Hello again").get_data(as_text=True)
    assert "Not delivered" in html and "cannot reach Rasa" in html
    page = advisor.get(post(advisor, f"/inbox/{handoff_id}/claim").headers["Location"]).get_data(
        as_text=True
    )
    assert "Not delivered" in page
    assert handoff_of(database_url, "c-1").status == "waiting"


def test_failed_deliveries_of_the_channel_are_listed(advisor, database_url, fake_rasa) -> None:
    handoff_id = waiting(database_url, fake_rasa, "+41790000000", channel="whatsapp")
    with session_scope(database_url) as session:
        session.add(
            AdvisorDelivery(
                conversation_id="+41790000000",
                channel="whatsapp",
                message_id="wamid.1",
                advisor="Anna Meier",
                status="failed",
                error="131047 Re-engagement message",
            )
        )
    for path in (f"/inbox/{handoff_id}", f"/inbox/{handoff_id}/live"):
        html = advisor.get(path).get_data(as_text=True)
        assert "did not reach the patient" in html and "131047 Re-engagement message" in html


def test_an_empty_reply_is_not_sent(advisor, database_url, fake_rasa) -> None:
    handoff_id = waiting(database_url, fake_rasa)
    html = post(advisor, f"/inbox/{handoff_id}/reply", text="   ").get_data(as_text=True)
    assert "nothing was sent" in html and fake_rasa.calls == []


def test_hand_back_with_a_note(advisor, database_url, fake_rasa) -> None:
    handoff_id = waiting(database_url, fake_rasa)
    # Only the advisor who has the conversation hands it back.
    response = post(advisor, f"/inbox/{handoff_id}/handback", note="too early")
    assert "Claim the conversation" in advisor.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert fake_rasa.calls == []
    post(advisor, f"/inbox/{handoff_id}/claim")
    response = post(advisor, f"/inbox/{handoff_id}/handback", note="Call booked for Tuesday")
    assert response.status_code == 302 and response.headers["Location"].endswith("/inbox/")
    resume, slot_open, slot_channel, told, listen = fake_rasa.appended("c-1")[-5:]
    assert resume == {"event": "resume"} and listen["name"] == "action_listen"
    assert told["text"] == response_text(HANDED_BACK)
    handoff = handoff_of(database_url, "c-1")
    assert (handoff.status, handoff.note) == ("closed", "Call booked for Tuesday")
    assert (
        "advisor@clinic.test",
        "handoff.handback",
        str(handoff_id),
        {"note": True},
    ) in actions(database_url)
    # Closed: read only, and a late reply is refused without reaching Rasa.
    calls = len(fake_rasa.calls)
    page = advisor.get(f"/inbox/{handoff_id}").get_data(as_text=True)
    assert "This handoff is closed" in page and 'name="text"' not in page
    late = post(advisor, f"/inbox/{handoff_id}/reply", text="One more thing")
    assert "is closed" in advisor.get(late.headers["Location"]).get_data(as_text=True)
    assert len(fake_rasa.calls) == calls


def test_inbox_posts_need_the_csrf_token(advisor, database_url, fake_rasa) -> None:
    handoff_id = waiting(database_url, fake_rasa)
    for action in ("claim", "reply", "handback"):
        assert advisor.post(f"/inbox/{handoff_id}/{action}", data={"text": "x"}).status_code == 400
        assert (
            advisor.post(
                f"/inbox/{handoff_id}/{action}", data={"text": "x", "csrf_token": "no"}
            ).status_code
            == 400
        )
    assert fake_rasa.calls == []
    assert handoff_of(database_url, "c-1").status == "waiting"


def test_a_long_queue_shows_the_longest_waiting_and_the_true_count(database_url: str) -> None:
    from datetime import datetime, timedelta, timezone

    from bot.console.inbox import queue
    from bot.store.db import session_scope
    from bot.store.models import Handoff

    start = datetime(2026, 12, 1, tzinfo=timezone.utc)
    with session_scope(database_url) as session:
        session.add_all(
            Handoff(
                conversation_id=f"c{i}",
                channel="socketio",
                status="waiting",
                reason="lead",
                created_at=start + timedelta(minutes=i),
            )
            for i in range(7)
        )
    with session_scope(database_url) as session:
        found = queue(session, 15, limit=3)
        assert found.waiting_total == 7 and found.live_total == 0
        assert [row.conversation_id for row in found.waiting] == ["c0", "c1", "c2"]
