"""The test suite never reads the developer's .env (issue: hardening, honest tests).

A developer who configured a real webhook or SMTP relay in .env must not have test
leads sent to the clinic's advisors. Here a .env in the project points the webhook at
a local receiver; a lead completed through the running test assistant must queue no
notification and the receiver must hear nothing.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.settings import ENV_FILE_KEY, PROJECT_ROOT, load_settings
from bot.store.db import conversation_rows
from bot.store.models import Lead, OutboxMessage
from tests.integration.conftest import LEAD_FORM_ANSWERS

DOTENV = PROJECT_ROOT / ".env"


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[bytes]]]:
    received: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            received.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/leads", received
    finally:
        server.shutdown()


@pytest.fixture
def developer_dotenv(receiver) -> Iterator[str]:
    if DOTENV.exists():
        pytest.skip("a developer .env exists; it is left alone")
    url, _ = receiver
    DOTENV.write_text(
        "# written by tests/integration/test_dotenv_isolation.py; removed after it\n"
        f"NOTIFY_WEBHOOK_URL={url}\nNOTIFY_WEBHOOK_SECRET={'s' * 32}\n",
        encoding="utf-8",
    )
    try:
        yield url
    finally:
        DOTENV.unlink()


def test_the_suite_reads_no_dotenv(assistant, receiver, developer_dotenv) -> None:
    # The file would configure the webhook for a process that reads it ...
    saved = os.environ[ENV_FILE_KEY]
    try:
        os.environ[ENV_FILE_KEY] = str(DOTENV)
        assert load_settings().notify.webhook_url == developer_dotenv
    finally:
        os.environ.pop("NOTIFY_WEBHOOK_URL", None)
        os.environ.pop("NOTIFY_WEBHOOK_SECRET", None)
        os.environ[ENV_FILE_KEY] = saved
    # ... but neither the tests nor the servers they start read it.
    assert load_settings().notify.webhook_url == ""
    sender = f"dotenv-{uuid.uuid4().hex[:8]}"
    for message in LEAD_FORM_ANSWERS:
        assistant.say(sender, message)
    assert len(conversation_rows(assistant.database_url, Lead, sender)) == 1
    assert conversation_rows(assistant.database_url, OutboxMessage, sender) == []
    time.sleep(3)  # the outbox worker polls every 2 s
    _, received = receiver
    assert received == []
