"""A real browser (Debian's chromium, driven by Playwright) against a private assistant.

Playwright's own browser download cannot work here; .ci/run installs Debian's chromium
and these tests fail (never skip) without it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.integration.conftest import Assistant, running_assistant

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))


# Per module, not per session: while Playwright's sync API runs, an event loop runs in
# this thread, and every async test after it would fail ("cannot be called from a
# running event loop").
@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"no chromium at {CHROMIUM}: `apt install chromium` (.ci/run installs it)")
    # --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """An assistant whose advisors are always in (the handoff goes live at once)."""
    env = {"BUSINESS_HOURS": "Mon-Sun 00:00-23:59"}
    with running_assistant(tmp_path_factory, "browser", env) as running:
        yield running
