"""The chat widget in a real browser on the demo page: what a patient on a phone and
on a desktop meets, including a dropped connection and a live advisor.

One private assistant for the module; each test opens its own browser context (a
fresh profile: no storage carried over).
"""

from __future__ import annotations

import json
import os
import signal

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from bot.handoff.advisor import handback, reply
from bot.settings import load_settings
from tests.browser.widget_page import WIDGET_DIST, Widget, gzipped_size

PRICE = "€7,000"
BUDGET_BYTES = 50 * 1024
EMERGENCY_NUMBERS = ("112", "144", "911")
START_PRECHECK = "can I get this treatment?"
LEAD_FORM = (
    ("I'd like to talk to a real person", "Do you agree?"),
    ("yes", "What name"),
    ("my name is Anna Meier", "How can the advisor reach you"),
    ("anna.meier@example.com", "How would you prefer"),
    ("email", "best time"),
    ("mornings", "which country"),
)


@pytest.fixture
def context(browser: Browser) -> BrowserContext:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context
    context.close()


def _page(context: BrowserContext, url: str) -> tuple[Page, list[str]]:
    """The demo page, with every console error and CSP refusal collected."""
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    # A dialog would mean injected script ran (alert) or a native confirm was used.
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.goto(url)
    return page, problems


def test_a_patient_asks_the_price_does_the_precheck_by_buttons_and_reloads(clinic, context) -> None:
    page, problems = _page(context, clinic.demo_url + "/")
    widget = Widget(page)
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")
    assert widget.serious_accessibility_violations() == []  # closed

    widget.open()
    # Focus goes into the chat; nothing is stored before the first message.
    expect(widget.hook("cw-input")).to_be_focused()
    expect(widget.hook("cw-emergency")).to_contain_text("112")
    assert context.cookies() == [] and widget.stored() == {}
    assert widget.serious_accessibility_violations() == []  # open

    widget.say("How much does the treatment cost?", PRICE)
    assert widget.stored(), "the session was not kept after the first message"

    widget.say(START_PRECHECK, "store your answers")
    widget.tap("Yes, store my answers")
    widget.expect_reply("1/4")
    # Mid-pre-check, with buttons on screen.
    assert widget.serious_accessibility_violations() == []
    widget.tap("No")
    widget.expect_reply("2/4")
    widget.tap("No")
    widget.expect_reply("3/4")
    widget.tap("No")
    widget.expect_reply("4/4")
    widget.tap("No")
    widget.expect_reply("none of the four")
    # A tapped button shows its title as the patient's message.
    assert widget.messages("user").count("No") == 4

    page.reload()
    widget.open()
    widget.expect_reply(PRICE)
    widget.expect_reply("none of the four")
    assert "How much does the treatment cost?" in widget.messages("user")
    # What the patient tapped, not the payload behind it.
    assert "Yes, store my answers" in widget.messages("user")
    # Old buttons cannot answer again.
    assert widget.log.locator(".cw-buttons button:enabled").count() <= 2  # the summary's only
    assert problems == []


def test_a_second_tab_continues_the_conversation(clinic, context) -> None:
    page, _ = _page(context, clinic.demo_url + "/")
    first = Widget(page)
    first.open()
    first.say("What are MSCs?", "stem")
    second = Widget(_page(context, clinic.demo_url + "/")[0])
    second.open()
    expect(second.log).to_contain_text("What are MSCs?")
    assert second.token() == first.token()


def test_text_is_shown_as_text_and_links_are_safe(clinic, context) -> None:
    page, problems = _page(context, clinic.demo_url + "/")
    widget = Widget(page)
    widget.open()
    attack = '<img src=x onerror="alert(1)"> <script>alert(2)</script>'
    widget.send(attack)
    expect(widget.log.locator('[data-sender="user"]').last).to_have_text(attack)
    assert widget.log.locator("img, script").count() == 0
    for link in widget.log.locator("a").all():
        assert link.get_attribute("href").startswith(("http://", "https://", "tel:"))
    assert not [p for p in problems if p.startswith("dialog")]


def test_keyboard_only_escape_returns_focus_to_the_launcher(clinic, context) -> None:
    page, _ = _page(context, clinic.demo_url + "/")
    widget = Widget(page)
    widget.launcher.focus()
    page.keyboard.press("Enter")
    expect(widget.hook("cw-input")).to_be_focused()
    page.keyboard.press("Escape")
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")
    expect(widget.launcher).to_be_focused()
    # The launcher has a name and a visible focus outline.
    assert widget.launcher.get_attribute("aria-label") or widget.launcher.inner_text()
    outline = widget.launcher.evaluate("e => getComputedStyle(e).outlineStyle")
    assert outline != "none"


def test_on_a_360_px_phone_the_chat_is_full_screen_and_usable(clinic, browser) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, has_touch=True)
    try:
        page, problems = _page(context, clinic.demo_url + "/")
        widget = Widget(page)
        widget.open()
        box = widget.hook("cw-panel").bounding_box()
        assert box["width"] >= 359 and box["height"] >= 700, box
        widget.say("How much does the treatment cost?", PRICE)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(_screenshot_dir() / "widget-360px.png"))
        assert widget.serious_accessibility_violations() == []
        assert problems == []
    finally:
        context.close()


def test_at_200_percent_zoom_the_chat_fits(clinic, browser) -> None:
    # A 1280 px wide window at 200 % zoom lays out as 640 CSS pixels.
    context = browser.new_context(viewport={"width": 640, "height": 450}, device_scale_factor=2)
    try:
        page, _ = _page(context, clinic.demo_url + "/")
        widget = Widget(page)
        widget.open()
        for hook in ("cw-input", "cw-send", "cw-emergency"):
            box = widget.hook(hook).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 640, hook
        widget.say("How much does the treatment cost?", PRICE)
    finally:
        context.close()


def test_end_and_clear_forgets_the_conversation(clinic, context) -> None:
    page, problems = _page(context, clinic.demo_url + "/")
    widget = Widget(page)
    widget.open()
    widget.say("hello", "automated assistant")
    old = widget.token()
    widget.hook("cw-clear").click()
    # An in-widget confirmation, not the browser's confirm().
    page.get_by_role("button", name="End and clear").last.click()
    expect(widget.log).not_to_contain_text("hello")
    assert widget.stored() == {}
    if widget.launcher.get_attribute("aria-expanded") == "false":
        widget.open()
    widget.say("hello", "automated assistant")
    assert widget.token() != old
    assert problems == []


def test_an_advisor_joins_writes_and_hands_back_live(clinic, context) -> None:
    page, problems = _page(context, clinic.demo_url + "/")
    widget = Widget(page)
    widget.open()
    for message, expected in LEAD_FORM:
        widget.say(message, expected)
    widget.say("Switzerland", "advisor has been notified")
    conversation_id = widget.token().rpartition(".")[0]
    settings = load_settings(clinic.env)

    # Closed: the advisor's messages count on the launcher.
    page.keyboard.press("Escape")
    reply(settings, conversation_id, "Hello Anna, this is Dr. Weber from the clinic.", "Dr. Weber")
    expect(widget.hook("cw-badge")).to_have_text("2", timeout=20_000)  # joined + message
    widget.open()
    expect(widget.hook("cw-badge")).to_be_hidden()
    expect(widget.log.locator('[data-sender="advisor"]')).to_contain_text(
        "Dr. Weber from the clinic"
    )
    expect(widget.hook("cw-status")).to_contain_text("Dr. Weber")
    page.screenshot(path=str(_screenshot_dir() / "widget-desktop-advisor.png"))

    widget.send("Thank you, mornings are best")
    handback(settings, conversation_id, "call booked")
    expect(widget.hook("cw-status")).not_to_contain_text("Dr. Weber", timeout=20_000)
    assert problems == []


def test_when_the_server_goes_away_the_widget_says_so_and_sends_later(clinic, context) -> None:
    page, problems = _page(context, clinic.demo_url + "/")
    widget = Widget(page)
    widget.open()
    widget.say("hello", "automated assistant")
    _stop_rasa(clinic)
    offline = widget.hook("cw-offline")
    expect(offline).to_be_visible(timeout=30_000)
    for number in EMERGENCY_NUMBERS:
        expect(offline).to_contain_text(number)
    # Typed while offline: kept, then sent once the server is back.
    widget.send("What does it cost?")
    clinic.stack.restart("rasa")
    expect(offline).to_be_hidden(timeout=60_000)
    widget.expect_reply(PRICE, timeout=60_000)
    assert widget.messages("user").count("What does it cost?") == 1


def test_the_widget_fits_its_size_budget() -> None:
    sizes = {name: gzipped_size(WIDGET_DIST / name) for name in ("widget.js", "widget.css")}
    assert sum(sizes.values()) <= BUDGET_BYTES, sizes
    # The build reports the same budget it enforces.
    report = json.loads((WIDGET_DIST / "size.json").read_text())
    assert report["total_gzip"] <= BUDGET_BYTES


def _stop_rasa(clinic) -> None:
    [(name, proc)] = [(n, p) for n, p in clinic.stack._procs if n == "rasa"]
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def _screenshot_dir():
    path = WIDGET_DIST.parent.parent / "var" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
