"""The client's address behind reverse proxies: X-Forwarded-For only from trusted ones."""

from __future__ import annotations

import ipaddress
from types import SimpleNamespace

import pytest

from bot.client_address import client_address, limit_key, parse_address
from bot.settings import load_settings

PROXY = "10.0.0.5"


def proxies(raw: str) -> tuple:
    return load_settings({"TRUSTED_PROXIES": raw}, read_dotenv=False).trusted_proxies


def test_no_trusted_proxy_by_default() -> None:
    assert load_settings({}, read_dotenv=False).trusted_proxies == ()
    # So a client's X-Forwarded-For never counts: the peer is the client.
    assert client_address("203.0.113.7", "198.51.100.1", ()) == "203.0.113.7"


def test_trusted_proxies_are_addresses_and_networks() -> None:
    assert proxies(" 10.0.0.5 , 192.168.0.0/16,::1, 2001:db8::/32 ,") == (
        ipaddress.ip_network("10.0.0.5/32"),
        ipaddress.ip_network("192.168.0.0/16"),
        ipaddress.ip_network("::1/128"),
        ipaddress.ip_network("2001:db8::/32"),
    )


@pytest.mark.parametrize("entry", ["proxy.example", "10.0.0.300", "10.0.0.0/33", "*", "1.2.3"])
def test_a_bad_trusted_proxy_entry_is_a_settings_error_naming_the_key(entry: str) -> None:
    with pytest.raises(ValueError, match="TRUSTED_PROXIES") as error:
        proxies(f"10.0.0.5,{entry}")
    assert repr(entry) in str(error.value)


def test_an_untrusted_peers_forwarded_for_is_ignored() -> None:
    trusted = proxies(PROXY)
    assert client_address("203.0.113.7", "198.51.100.1", trusted) == "203.0.113.7"
    assert client_address("203.0.113.7", ["198.51.100.1", PROXY], trusted) == "203.0.113.7"


def test_a_trusted_proxy_forwards_the_client() -> None:
    trusted = proxies(PROXY)
    assert client_address(PROXY, "198.51.100.1", trusted) == "198.51.100.1"
    # No header from a trusted proxy: the proxy itself is all we know.
    assert client_address(PROXY, None, trusted) == PROXY
    assert client_address(PROXY, [], trusted) == PROXY


def test_the_right_most_untrusted_address_of_the_chain_is_the_client() -> None:
    trusted = proxies("10.0.0.0/24,172.16.0.1")
    # The client claimed 1.1.1.1 itself; the proxies appended what they saw.
    chain = "1.1.1.1, 198.51.100.1, 172.16.0.1, 10.0.0.9"
    assert client_address(PROXY, chain, trusted) == "198.51.100.1"
    # Several headers count as one list, in order.
    assert client_address(PROXY, ["1.1.1.1", "198.51.100.1,172.16.0.1"], trusted) == (
        "198.51.100.1"
    )


def test_a_chain_of_only_trusted_proxies_gives_the_left_most() -> None:
    trusted = proxies("10.0.0.0/8")
    assert client_address(PROXY, "10.1.1.1, 10.2.2.2", trusted) == "10.1.1.1"


def test_something_that_is_no_address_is_never_believed() -> None:
    trusted = proxies("10.0.0.0/8")
    # A misconfigured proxy passing on junk: the last trusted hop stands for the client.
    assert client_address(PROXY, "unknown, 10.2.2.2", trusted) == "10.2.2.2"
    assert client_address(PROXY, "  ,  ", trusted) == PROXY
    assert client_address(None, "198.51.100.1", trusted) is None
    assert client_address("", "198.51.100.1", trusted) is None


def test_ipv6_peers_proxies_and_clients() -> None:
    trusted = proxies("2001:db8:ffff::/48,::1")
    assert client_address("2001:db8:ffff::2", "2001:db8:1:2::abcd", trusted) == (
        "2001:db8:1:2::abcd"
    )
    assert client_address("::1", "[2001:DB8:1:2::ABCD]:443, ::1", trusted) == ("2001:db8:1:2::abcd")
    # An untrusted IPv6 peer is the client, whatever it forwards.
    assert client_address("2001:db8:9::1", "2001:db8:1:2::abcd", trusted) == "2001:db8:9::1"
    # An IPv4 proxy list does not trust IPv6 peers, and the other way round.
    assert client_address("::1", "198.51.100.1", proxies("127.0.0.1")) == "::1"


def test_ipv4_mapped_ipv6_is_the_ipv4_address() -> None:
    trusted = proxies(PROXY)
    assert client_address("::ffff:10.0.0.5", "198.51.100.1", trusted) == "198.51.100.1"
    assert client_address("::ffff:203.0.113.7", None, ()) == "203.0.113.7"


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("198.51.100.1", "198.51.100.1"),
        (" 198.51.100.1:8080 ", "198.51.100.1"),
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("fe80::1%eth0", "fe80::1"),
        ('"198.51.100.1"', "198.51.100.1"),
        ("unknown", None),
        ("_hidden", None),
        ("", None),
        (None, None),
    ],
)
def test_addresses_as_proxies_write_them(raw: str | None, parsed: str | None) -> None:
    result = parse_address(raw)
    assert (str(result) if result is not None else None) == parsed


def test_ipv6_clients_are_limited_per_64() -> None:
    assert limit_key("2001:db8:1:2::abcd") == limit_key("2001:db8:1:2:ffff::1")
    assert limit_key("2001:db8:1:2::abcd") == "2001:db8:1:2::/64"
    assert limit_key("2001:db8:1:3::1") != limit_key("2001:db8:1:2::1")
    assert limit_key("198.51.100.1") == "198.51.100.1"


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"])
def test_this_machine_is_not_limited_per_address(address: str) -> None:
    # Its own tools and tests, or a local proxy missing from TRUSTED_PROXIES (whose
    # patients would otherwise share one allowance): the per-sender limit still holds.
    assert limit_key(address) is None


def test_socketio_reads_the_real_peer_not_engineios_placeholder() -> None:
    from bot.channels.socketio import environ_address

    trusted = proxies("127.0.0.1")
    # engine.io's Sanic driver always writes REMOTE_ADDR 127.0.0.1.
    environ = {
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_X_FORWARDED_FOR": "198.51.100.1",
        "sanic.request": SimpleNamespace(ip="203.0.113.7"),
    }
    assert environ_address(environ, trusted) == "203.0.113.7"
    environ["sanic.request"] = SimpleNamespace(ip="127.0.0.1")
    assert environ_address(environ, trusted) == "198.51.100.1"
    # Without the Sanic request: the WSGI REMOTE_ADDR.
    assert environ_address({"REMOTE_ADDR": "203.0.113.9"}, trusted) == "203.0.113.9"


async def test_socketio_keeps_the_address_only_while_connected(monkeypatch) -> None:
    from bot.channels.limits import client_address_of
    from bot.channels.socketio import ValidatedSocketIOInput

    async def answers() -> bool:  # no action server runs here
        return True

    monkeypatch.setattr("bot.channels.guards.action_server_answers", answers)

    seen = []

    async def on_new_message(message) -> None:
        seen.append((message.sender_id, client_address_of(message), message.metadata))

    channel = ValidatedSocketIOInput(session_persistence=True)  # as credentials.yml
    channel.blueprint(on_new_message)
    # No engine.io connection exists here: rooms and emits are recorded instead.
    emitted = []

    async def emit(event, data=None, **kwargs) -> None:
        emitted.append((event, data))

    monkeypatch.setattr(channel.sio, "enter_room", lambda *args, **kwargs: None)
    monkeypatch.setattr(channel.sio, "emit", emit)
    handlers = channel.sio.handlers["/"]
    environ = {
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_X_FORWARDED_FOR": "198.51.100.1",  # the client's claim, no proxy trusted
        "sanic.request": SimpleNamespace(ip="203.0.113.7"),
    }
    assert await handlers["connect"]("sid-1", environ, None) is True
    assert channel.client_addresses == {"sid-1": "203.0.113.7"}
    await handlers["user_uttered"]("sid-1", {"message": "hello"})
    # A message without a session gets one from the server, and goes to it.
    [(event, token)] = emitted
    assert event == "session_confirm"
    assert seen == [(token.rpartition(".")[0], "203.0.113.7", {})]
    await handlers["disconnect"]("sid-1")
    assert channel.client_addresses == {} and channel.sessions == {}
