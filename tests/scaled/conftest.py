"""The scale-out deployment (``make run-scaled``) under test: two Rasa servers and two
action servers behind nginx, PostgreSQL and Redis shared.

Each module that asks for ``scaled`` gets one stack (two servers loading the model take
about a minute) with a database of its own (``ra_scaled_<random>``, dropped after) and a
Redis key prefix of its own (its keys deleted after). nginx, PostgreSQL and Redis are
requirements here, like chromium for the browser tests: a missing one FAILS the tests
(``.ci/run`` installs and starts them), it never skips them.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import redis
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from bot.processes.nginx import nginx_binary
from bot.processes.scaled import ScaleConfig, ScaledStack
from bot.processes.stack import free_port
from bot.settings import PROJECT_ROOT, load_settings
from tests.integration.conftest import Assistant

POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
WEBHOOK_SECRET = "scaled-test-" + uuid.uuid4().hex


def _missing_services() -> list[str]:
    missing = []
    if nginx_binary() is None:
        missing.append("nginx (apt-get install nginx)")
    try:
        with sa.create_engine(POSTGRES, poolclass=NullPool).connect():
            pass
    except OperationalError:
        missing.append(f"PostgreSQL at {POSTGRES}")
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=3).ping()
    except redis.RedisError:
        missing.append(f"Redis at {REDIS}")
    return missing


@pytest.fixture(scope="session", autouse=True)
def scale_out_services() -> None:
    """Fail, never skip, without what the scale-out needs."""
    missing = _missing_services()
    if missing:
        pytest.fail(
            f"the scale-out tests need {', '.join(missing)}; .ci/run installs and starts them"
        )


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    """A PostgreSQL database of the module's own, dropped afterwards."""
    name = f"ra_scaled_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module")
def redis_prefix() -> Iterator[str]:
    """A Redis key prefix of the module's own; its keys are deleted afterwards."""
    prefix = f"rascaled{uuid.uuid4().hex[:10]}"
    yield prefix
    client = redis.Redis.from_url(REDIS)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


class Receiver:
    """The advisors' webhook: every delivery it got (headers, body)."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    receiver.requests.append((dict(self.headers), body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/leads"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def payloads(self) -> list[dict[str, Any]]:
        with self._lock:
            return [json.loads(body) for _, body in self.requests]


@dataclass
class Scaled:
    """The running scaled stack and a client for each way in."""

    stack: ScaledStack
    # Through nginx, and each Rasa server directly (bypassing nginx).
    front: Assistant
    servers: list[Assistant]
    database_url: str
    token: str
    env: dict[str, str]
    receiver: Receiver


@pytest.fixture(scope="module")
def scaled(pg_database: str, redis_prefix: str) -> Iterator[Scaled]:
    settings = load_settings()
    if not settings.model_path.exists():
        pytest.fail(f"no trained model at {settings.model_path}: run `make train` (make test does)")
    receiver = Receiver()
    token = secrets.token_hex(16)
    settings = replace(
        settings,
        database_url=pg_database,
        rasa_interface="127.0.0.1",
        rasa_port=free_port(),
        widget_port=free_port(),
        console=replace(settings.console, port=free_port(), interface="127.0.0.1"),
        rasa_api_token=token,
    )
    extra_env = {
        "NOTIFY_WEBHOOK_URL": receiver.url,
        "NOTIFY_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "OUTBOX_RETRY_SECONDS": "1",
        # Advisors are always in: a handoff request is answered the same at any hour.
        "BUSINESS_HOURS": "Mon-Sun 00:00-23:59",
    }
    log_dir = PROJECT_ROOT / "var" / "log" / "scaled"
    stack = ScaledStack(
        settings, ScaleConfig(REDIS, redis_prefix), log_dir=log_dir, extra_env=extra_env
    )
    stack.start()
    env = {**stack.front.env(), **extra_env}

    def client(base_url: str) -> Assistant:
        return Assistant(base_url, token, pg_database, log_dir, env, stack=None)

    try:
        yield Scaled(
            stack,
            client(stack.base_url),
            [client(url) for url in stack.instance_urls],
            pg_database,
            token,
            env,
            receiver,
        )
    finally:
        stack.stop()
        receiver.server.shutdown()


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """Poll ``condition`` until it holds (work another process does in the background)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.2)
