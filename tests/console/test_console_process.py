"""The console as a process: what the stack starts, and the server answering on its port."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import replace

from bot.processes.run import addresses
from bot.processes.stack import Stack, console_url, free_port
from bot.settings import ENV_FILE_KEY, PROJECT_ROOT, load_settings


def _settings(port: int = 18081):
    settings = load_settings({}, read_dotenv=False)
    return replace(
        settings,
        console=replace(settings.console, port=port, idle_minutes=20, max_failed_logins=3),
    )


def test_the_stack_starts_the_console_with_its_settings() -> None:
    stack = Stack(_settings())
    assert stack.commands()["console"][-2:] == ["-m", "bot.console.server"]
    env = stack.env()
    assert env["CONSOLE_PORT"] == "18081" and env["CONSOLE_INTERFACE"] == "127.0.0.1"
    assert env["CONSOLE_IDLE_MINUTES"] == "20" and env["CONSOLE_MAX_FAILED_LOGINS"] == "3"
    assert env["CONSOLE_SECURE_COOKIES"] == "false"
    assert stack.console_url == "http://127.0.0.1:18081"
    # The evaluators' actions-only stack has no console.
    assert "console" not in Stack(_settings(), with_rasa=False).commands()


def test_a_console_on_every_interface_is_announced_on_loopback() -> None:
    settings = _settings()
    settings = replace(settings, console=replace(settings.console, interface="0.0.0.0"))
    assert console_url(settings) == "http://127.0.0.1:18081"


def test_make_run_says_where_the_console_is_and_how_to_get_in() -> None:
    fresh = "\n".join(addresses(_settings(), staff_exists=False))
    assert "console:   http://127.0.0.1:18081/" in fresh and "make staff-user" in fresh
    assert "make staff-user" not in "\n".join(addresses(_settings(), staff_exists=True))


def test_the_server_answers_on_its_port(tmp_path) -> None:
    port = free_port()
    env = dict(
        os.environ,
        CONSOLE_PORT=str(port),
        DATABASE_URL=f"sqlite:///{tmp_path / 'console.db'}",
        PYTHONPATH=str(PROJECT_ROOT),
        **{ENV_FILE_KEY: ""},  # a developer's .env must not move the test elsewhere
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "bot.console.server"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    assert r.status == 200
                    break
            except (urllib.error.URLError, OSError):
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                assert time.monotonic() < deadline, "the console did not answer"
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as page:
            assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
            assert "Sign in" in page.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=10)
