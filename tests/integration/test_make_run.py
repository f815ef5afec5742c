"""`make run`'s launcher starts both servers, says where to talk, and stops on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

from bot.processes.stack import Stack, StackError, free_port
from bot.settings import PROJECT_ROOT, load_settings


def _listening(port: int) -> bool:
    """Whether anything accepts connections on the port (any HTTP status would count)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def test_the_port_check_sees_a_server_that_answers_with_an_error() -> None:
    # An earlier check caught the HTTP 404 of a running server as "not running".
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    port = server.getsockname()[1]
    try:
        assert _listening(port)
    finally:
        server.close()
    assert not _listening(port)


def test_a_bad_setting_stops_make_run_with_a_message_naming_the_key(tmp_path) -> None:
    env = dict(
        os.environ,
        BUSINESS_HOURS="weekdays nine to five",
        DATABASE_URL=f"sqlite:///{tmp_path / 'bad.db'}",
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot.processes.run"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "BUSINESS_HOURS" in result.stderr and "Traceback" not in result.stderr
    assert "Starting" not in result.stdout


def _pids_of(*words: str) -> list[int]:
    """Processes whose command line holds all ``words``."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if all(word.encode() in args for word in words):
            pids.append(int(cmdline.parent.name))
    return pids


def _read_until(proc: subprocess.Popen, marker: str, output: list[str], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        output.append(line)
        if marker in line:
            return
    raise AssertionError(f"no {marker!r} in:\n{''.join(output)}")


def _greeting(rasa_port: int) -> str:
    body = json.dumps({"sender": f"run-test-{time.monotonic()}", "message": "hi"}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())[0]["text"]


def test_runner_serves_restarts_a_dead_server_and_stops_cleanly_on_ctrl_c(tmp_path) -> None:
    rasa_port, action_port, widget_port = free_port(), free_port(), free_port()
    env = dict(
        os.environ,
        RASA_PORT=str(rasa_port),
        ACTION_PORT=str(action_port),
        WIDGET_PORT=str(widget_port),
        DATABASE_URL=f"sqlite:///{tmp_path / 'run.db'}",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.processes.run"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    try:
        _read_until(proc, "Press Ctrl-C to stop", output, 240)
        assert "The assistant is running" in "".join(output), "".join(output)
        started = "".join(output)
        assert f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook" in started
        assert f"http://127.0.0.1:{widget_port}/" in started
        # Quiet: the servers' logs go to files, no dependency's warning scrolls past.
        assert "Warning" not in started and len(started.splitlines()) < 20, started
        assert "automated assistant" in _greeting(rasa_port)

        # The action server dies: it is restarted, logged at ERROR, and serving goes on.
        [actions] = _pids_of("actions", str(action_port))
        os.kill(actions, signal.SIGKILL)
        _read_until(proc, "actions server restarted", output, 240)
        assert "ERROR actions server exited with code -9" in "".join(output)
        assert proc.poll() is None
        assert "automated assistant" in _greeting(rasa_port)

        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, rest
    assert "Stopped." in rest
    for port in (rasa_port, action_port):
        assert not _listening(port), f"port {port} still answers after Ctrl-C"


def test_a_failed_start_leaves_no_server_behind(tmp_path) -> None:
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    settings = replace(
        load_settings(),
        rasa_port=busy.getsockname()[1],  # taken: the Rasa server cannot bind
        action_port=free_port(),
        widget_port=free_port(),
        database_url=f"sqlite:///{tmp_path / 'x.db'}",
    )
    stack = Stack(settings, log_dir=tmp_path)
    try:
        try:
            stack.start(timeout=180)
        except StackError:
            pass
        else:
            raise AssertionError("the stack started on a port that was taken")
        assert stack._procs == []
        assert not _listening(settings.action_port), "the action server is still running"
    finally:
        busy.close()
        stack.stop()


def test_a_half_configured_channel_stops_the_run_naming_the_missing_key(tmp_path) -> None:
    env = dict(
        os.environ,
        ASSISTANT_ENV_FILE="",
        TELEGRAM_BOT_TOKEN="123456789:AAE" + "x" * 32,
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
    )
    done = subprocess.run(
        [sys.executable, "-m", "bot.processes.run"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "TELEGRAM_WEBHOOK_SECRET" in done.stderr and "Traceback" not in done.stderr
