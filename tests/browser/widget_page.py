"""The chat widget as a patient uses it, through its stable test hooks (data-testid)."""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from bot.settings import PROJECT_ROOT

WIDGET_DIST = PROJECT_ROOT / "web" / "dist"
AXE = PROJECT_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
STORAGE_KEY_PREFIX = "clinicChat"
REPLY_TIMEOUT_MS = 45_000


class Widget:
    """One page with the widget: open it, type, tap buttons, read the log."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def hook(self, name: str) -> Locator:
        return self.page.get_by_test_id(name)

    @property
    def launcher(self) -> Locator:
        return self.hook("cw-launcher")

    @property
    def log(self) -> Locator:
        return self.hook("cw-log")

    def open(self) -> None:
        self.launcher.click()
        expect(self.launcher).to_have_attribute("aria-expanded", "true")
        expect(self.hook("cw-panel")).to_be_visible()

    def send(self, text: str) -> None:
        self.hook("cw-input").fill(text)
        self.hook("cw-input").press("Enter")

    def expect_reply(self, text: str, timeout: float = REPLY_TIMEOUT_MS) -> None:
        expect(self.log).to_contain_text(text, timeout=timeout)

    def say(self, text: str, expected: str, timeout: float = REPLY_TIMEOUT_MS) -> None:
        """Send ``text`` and wait for a new bot message containing ``expected``."""
        before = self.log.locator('[data-sender="bot"]').count()
        self.send(text)
        # Polled from here: the page's CSP forbids the eval that wait_for_function uses.
        deadline = time.monotonic() + timeout / 1000
        bots = self.log.locator('[data-sender="bot"]')
        while not any(expected in said for said in bots.all_inner_texts()[before:]):
            if time.monotonic() > deadline:
                raise AssertionError(f"no new reply containing {expected!r} to {text!r}")
            self.page.wait_for_timeout(200)

    def tap(self, title: str) -> None:
        # Exact: "No" must not find "Not sure".
        buttons = self.log.locator(".cw-buttons").last
        button = buttons.get_by_role("button", name=title, exact=True)
        expect(button).to_be_visible(timeout=REPLY_TIMEOUT_MS)
        button.click()

    def messages(self, sender: str) -> list[str]:
        return self.log.locator(f'[data-sender="{sender}"]').all_inner_texts()

    def stored(self) -> dict[str, str]:
        """Everything the page keeps in the browser: local and session storage."""
        return self.page.evaluate(
            "() => Object.fromEntries([...Object.entries(localStorage),"
            " ...Object.entries(sessionStorage)])"
        )

    def token(self) -> str:
        [token] = [v for k, v in self.stored().items() if k.startswith(STORAGE_KEY_PREFIX)]
        return json.loads(token) if token.startswith('"') else token

    def serious_accessibility_violations(self) -> list[dict]:
        """axe-core's serious and critical findings on the page as it is now (WCAG 2.x AA)."""
        # evaluate, not a <script> tag: the demo page's CSP forbids inline scripts.
        self.page.evaluate(AXE.read_text())
        result = self.page.evaluate(
            """async () => (await axe.run(document, {runOnly: {type: 'tag', values:
               ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})).violations
               .filter(v => ['serious', 'critical'].includes(v.impact))
               .map(v => ({id: v.id, impact: v.impact, help: v.help,
                           nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}))"""
        )
        return result


def gzipped_size(path: Path) -> int:
    """Bytes of ``path`` gzipped at the level web servers use by default."""
    return len(gzip.compress(path.read_bytes(), compresslevel=9))
