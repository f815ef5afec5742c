"""The staff console in a real browser against a running assistant: an admin signs in
with the second factor and works the day's conversations, as the issue's done-when
asks. A patient talks over socket.io (the widget's channel) meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyotp
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.widget_page import WIDGET_DIST
from tests.console.conftest import PASSWORD, add_staff
from tests.integration.chat_client import ChatClient
from tests.integration.conftest import Assistant, running_assistant
from tests.integration.test_handoff import fill_lead_form

ADMIN = "head.advisor@clinic.test"
DISPLAY_NAME = "Dr. Console"


@pytest.fixture(scope="module")
def clinic(tmp_path_factory) -> Iterator[Assistant]:
    env = {"BUSINESS_HOURS": "Mon-Sun 00:00-23:59"}
    with running_assistant(tmp_path_factory, "browser-console", env) as running:
        yield running


@pytest.fixture(scope="module")
def patient(clinic) -> Iterator[ChatClient]:
    """A patient who asked the price, had an emergency, and asked for a person."""
    chat = ChatClient(clinic.base_url)
    chat.say("What does it cost?")
    chat.say("I have crushing chest pain right now")
    chat.say("blorp qwertz zzz")
    fill_lead_form(chat, "anna.meier@example.com", "email")
    yield chat
    chat.close()


@pytest.fixture(scope="module")
def page(browser: Browser, clinic, patient) -> Iterator[Page]:
    secret = add_staff(clinic.database_url, ADMIN, "admin", totp=True, name=DISPLAY_NAME)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(clinic.console_url + "/")
    page.get_by_label("Email").fill(ADMIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("6-digit code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    yield page
    context.close()


def _shot(page: Page, name: str) -> None:
    path = WIDGET_DIST.parent.parent / "var" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path / name), full_page=True)


def test_the_dashboard_comes_first(page) -> None:
    expect(page.locator("main")).to_contain_text("pre-check")
    _shot(page, "console-dashboard.png")


def test_find_a_conversation_by_text_open_it_and_mark_it_reviewed(page, patient) -> None:
    page.get_by_role("link", name="Conversations", exact=True).click()
    page.locator("#f-q").fill("crushing chest pain")
    page.get_by_role("button", name="Apply filters").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(1)
    _shot(page, "console-conversations.png")
    rows.first.get_by_role("link").first.click()
    expect(page.locator("main")).to_contain_text("crushing chest pain")
    expect(page.locator("main")).to_contain_text(patient.session_id)
    _shot(page, "console-transcript.png")
    page.get_by_role("button", name="Mark reviewed").click()
    expect(page.get_by_role("button", name="Remove the review mark")).to_be_visible()


def test_move_the_lead_to_contacted(page) -> None:
    page.get_by_role("link", name="Leads", exact=True).click()
    page.get_by_role("link", name="Anna Meier").first.click()
    page.locator("#status-contacted").check()
    page.get_by_role("button", name="Change status").click()
    expect(page.get_by_role("status").first).to_contain_text("Status changed to Contacted")


def test_reply_in_the_handoff_reaches_the_patients_chat(page, patient) -> None:
    page.get_by_role("link", name="Inbox", exact=True).click()
    page.get_by_role("link", name="Anna Meier").first.click()
    _shot(page, "console-inbox.png")
    page.locator("#reply-text").fill("Hello Anna, this is the clinic: we will call you tomorrow.")
    before = len(patient.received)
    page.locator("form.reply").get_by_role("button", name="Send").click()
    texts = patient.wait_for_new(before)
    assert any("we will call you tomorrow" in text for text in texts), texts
    [written] = [m for m in patient.received[before:] if "tomorrow" in m.get("text", "")]
    assert written["advisor"] == DISPLAY_NAME
    expect(page.locator("#inbox-messages")).to_contain_text("we will call you tomorrow")


def test_acknowledge_the_emergency_flag(page) -> None:
    page.get_by_role("link", name="Safety", exact=True).click()
    expect(page.locator("main")).to_contain_text("crushing chest pain")
    page.get_by_role("button", name="Acknowledge").first.click()
    expect(page.locator("main")).to_contain_text("0 flags not yet acknowledged")


def test_correct_an_unsure_message_and_export_the_corrections(page) -> None:
    page.get_by_role("link", name="Improve", exact=True).click()
    row = page.locator("tr", has_text="blorp qwertz zzz").first
    expect(row).to_be_visible()
    row.locator("select").select_option(index=1)
    row.get_by_role("button", name="Save").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Export corrections as NLU YAML").click()
    exported = download.value.path().read_text()
    assert "nlu:" in exported and "blorp qwertz zzz" in exported
