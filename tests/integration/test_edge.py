"""The server's edge as a browser or an attacker meets it: origins, API token, body size.

One private stack for the module, on loopback with an API token and the defaults for
everything else (the allowed origins are then the local demo page's own).
"""

from __future__ import annotations

import http.client
import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import socketio
import socketio.exceptions

from bot.processes.stack import Stack
from bot.settings import load_settings
from components.rasa_server import rasa_argv
from tests.integration.conftest import Assistant, running_assistant

EVIL = "https://evil.example"
WEBHOOK = "/webhooks/rest/webhook"


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    with running_assistant(tmp_path_factory, "edge") as running:
        yield running


def allowed_origins(assistant: Assistant) -> list[str]:
    """The demo page's origins (the widget's page, on its own port)."""
    port = urlsplit(assistant.demo_url).port
    return [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]


def call(
    assistant: Assistant, method: str, path: str, headers: dict[str, str], body: bytes | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(
        f"{assistant.base_url}{path}", data=body, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def socketio_connects(assistant: Assistant, origin: str | None) -> bool:
    client = socketio.Client(reconnection=False)
    headers = {"Origin": origin} if origin else {}
    try:
        client.connect(
            assistant.base_url,
            headers=headers,
            socketio_path="/socket.io",
            transports=["polling"],
            wait_timeout=20,
        )
    except socketio.exceptions.ConnectionError:
        return False
    client.disconnect()
    return True


# --- 1. origins -----------------------------------------------------------------------------


def test_socketio_refuses_a_page_on_another_site(edge: Assistant) -> None:
    assert not socketio_connects(edge, EVIL)
    assert not socketio_connects(edge, "null")


def test_socketio_accepts_the_allowed_origins_and_clients_without_one(edge: Assistant) -> None:
    for origin in [*allowed_origins(edge), None]:
        assert socketio_connects(edge, origin), origin


def test_socketio_gives_an_allowed_page_one_cors_header(edge: Assistant) -> None:
    # Both engine.io and Sanic-CORS could add it; a browser refuses a doubled header.
    url = urlsplit(edge.base_url)
    for origin in allowed_origins(edge):
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        try:
            connection.request(
                "GET", "/socket.io/?EIO=4&transport=polling", headers={"Origin": origin}
            )
            response = connection.getresponse()
            response.read()
        finally:
            connection.close()
        assert response.status == 200
        assert response.headers.get_all("Access-Control-Allow-Origin") == [origin]
        assert len(response.headers.get_all("Access-Control-Allow-Credentials") or []) <= 1


def test_rest_cors_headers_only_for_an_allowed_origin(edge: Assistant) -> None:
    preflight = {"Access-Control-Request-Method": "POST"}
    message = json.dumps({"sender": "edge-cors", "message": "What is RA?"}).encode()
    for origin in allowed_origins(edge):
        _status, headers, _ = call(edge, "OPTIONS", WEBHOOK, {"Origin": origin, **preflight})
        assert headers.get("Access-Control-Allow-Origin") == origin
        status, headers, _ = call(
            edge, "POST", WEBHOOK, {"Origin": origin, "Content-Type": "application/json"}, message
        )
        assert status == 200
        assert headers.get("Access-Control-Allow-Origin") == origin

    _status, headers, _ = call(edge, "OPTIONS", WEBHOOK, {"Origin": EVIL, **preflight})
    assert "Access-Control-Allow-Origin" not in headers
    _status, headers, _ = call(
        edge, "POST", WEBHOOK, {"Origin": EVIL, "Content-Type": "application/json"}, message
    )
    assert "Access-Control-Allow-Origin" not in headers


# --- 3. the API token stays out of every command line -----------------------------------------


def command_lines() -> list[bytes]:
    lines = []
    for path in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            lines.append(path.read_bytes())
        except OSError:
            continue  # the process ended, or is not ours to read
    return lines


def test_no_process_shows_the_api_token(edge: Assistant) -> None:
    lines = command_lines()
    assert any(b"components.rasa_server" in line for line in lines)
    assert not [line for line in lines if edge.token.encode() in line]


def test_the_api_still_needs_and_takes_the_token(edge: Assistant) -> None:
    status, _ = edge.request("GET", "/status")
    assert status == 401
    status, _ = edge.request("GET", "/status", token="x" * 32)
    assert status == 401
    status, body = edge.request("GET", "/status", token=edge.token)
    assert status == 200 and "model_file" in body


def test_the_rasa_command_line_carries_no_token() -> None:
    token = "api-token-" + "z" * 30
    settings = replace(load_settings({}), rasa_api_token=token)
    command = Stack(settings).commands()["rasa"]
    assert token not in " ".join(command)
    assert "--enable-api" in command and "--auth-token" not in command
    assert Stack(settings).env()["RASA_API_TOKEN"] == token
    without = Stack(replace(settings, rasa_api_token="")).commands()["rasa"]
    assert "--enable-api" not in without


def test_the_launcher_adds_the_token_from_the_environment_only() -> None:
    token = "t" * 32
    assert rasa_argv(["run", "--enable-api"], {"RASA_API_TOKEN": token}) == [
        "rasa",
        "run",
        "--enable-api",
        "--auth-token",
        token,
    ]
    assert rasa_argv(["run"], {}) == ["rasa", "run"]
    with pytest.raises(SystemExit, match="RASA_API_TOKEN"):
        rasa_argv(["run", "--auth-token", token], {})


# --- 4. request bodies ----------------------------------------------------------------------


def declared_post(base_url: str, path: str, body: bytes) -> int:
    """Send the headers, give the server a moment to refuse, then the body; the status.

    A server that refuses a declared size answers before the body is sent; one that
    does not waits for the body and answers after it.
    """
    url = urlsplit(base_url)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((url.hostname, url.port), timeout=60) as sock:
        sock.sendall(head)
        sock.settimeout(5)
        try:
            answer = sock.recv(65536)
        except TimeoutError:
            sock.settimeout(120)
            sock.sendall(body)
            answer = sock.recv(65536)
    return int(answer.split(b" ", 2)[1])


def padded_message(sender: str, size: int) -> bytes:
    """A valid, short message whose metadata makes the body ``size`` bytes or more."""
    return json.dumps(
        {"sender": sender, "message": "What is RA?", "metadata": {"pad": "p" * size}}
    ).encode()


def test_a_body_over_the_limit_is_refused_before_it_is_read(edge: Assistant) -> None:
    body = padded_message("edge-big", 2 * 1024 * 1024)
    assert declared_post(edge.base_url, WEBHOOK, body) == 413


def test_a_body_within_the_limit_is_answered(edge: Assistant) -> None:
    body = padded_message("edge-small", 512 * 1024)
    assert declared_post(edge.base_url, WEBHOOK, body) == 200


def test_the_action_server_keeps_taking_long_trackers(edge: Assistant) -> None:
    # Only the Rasa server faces the internet; it sends the actions a whole session.
    tracker = {"next_action": "action_that_does_not_exist", "tracker": {"pad": "p" * 2**21}}
    status = declared_post(
        f"http://127.0.0.1:{edge.env['ACTION_PORT']}", "/webhook", json.dumps(tracker).encode()
    )
    # Read in full: the SDK answers an unknown action with 404 (and a refused body with 500).
    assert status == 404
