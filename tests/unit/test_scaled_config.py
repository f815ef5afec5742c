"""The scale-out stack's configuration (``make run-scaled``), without starting it: what
it refuses, the endpoints its Rasa servers read, and nginx's configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from bot.processes.nginx import ProxyLayout, nginx_config
from bot.processes.scaled import (
    DEFAULT_REDIS_URL,
    InstanceStack,
    ScaleConfig,
    ScaleConfigError,
    ScaledStack,
    scale_config,
)
from bot.settings import PROJECT_ROOT, load_settings

PG = "postgresql://postgres@127.0.0.1:5432/ra_test"


def _settings(**env: str):
    return load_settings({"DATABASE_URL": PG, **env})


def test_sqlite_is_refused_with_the_key_named() -> None:
    settings = load_settings({"DATABASE_URL": "sqlite:////tmp/x.db"})
    with pytest.raises(ScaleConfigError, match="DATABASE_URL must be a PostgreSQL URL"):
        scale_config(settings, {})
    with pytest.raises(ScaleConfigError):
        ScaledStack(settings, ScaleConfig(DEFAULT_REDIS_URL))


def test_redis_defaults_and_checks() -> None:
    assert scale_config(_settings(), {}) == ScaleConfig(DEFAULT_REDIS_URL, "raassistant")
    config = scale_config(
        _settings(), {"REDIS_URL": "redis://cache:6379/2", "REDIS_KEY_PREFIX": "clinic1"}
    )
    assert (config.redis_url, config.key_prefix) == ("redis://cache:6379/2", "clinic1")
    with pytest.raises(ScaleConfigError, match="REDIS_KEY_PREFIX"):
        scale_config(_settings(), {"REDIS_KEY_PREFIX": "clinic-1"})
    with pytest.raises(ScaleConfigError, match="REDIS_URL"):
        scale_config(_settings(), {"REDIS_URL": "http://cache:6379"})


def test_each_rasa_server_shares_locks_and_rooms_through_redis() -> None:
    settings = _settings()
    stack = ScaledStack(settings, ScaleConfig("redis://127.0.0.1:6379/4", "clinic1"))
    first, second = stack.instances
    assert first.settings.rasa_port != second.settings.rasa_port
    assert first.settings.action_port != second.settings.action_port
    endpoints = yaml.safe_load(first.endpoints_file().read_text())
    base = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text())
    assert endpoints == {
        **base,
        "lock_store": {
            "type": "components.redis_lock_store.AtomicRedisLockStore",
            "url": "${REDIS_URL}",
            "key_prefix": "${REDIS_KEY_PREFIX}",
        },
    }
    env = first.env()
    assert env["REDIS_URL"] == env["SOCKETIO_REDIS_URL"] == "redis://127.0.0.1:6379/4"
    assert env["SOCKETIO_REDIS_CHANNEL"] == "clinic1-socketio"
    assert env["DATABASE_URL"] == PG
    # Each Rasa server calls its own action server.
    assert env["ACTION_ENDPOINT_URL"] == f"http://127.0.0.1:{first.settings.action_port}/webhook"
    # nginx on loopback is a trusted proxy for the client's address.
    assert "127.0.0.1/32" in env["TRUSTED_PROXIES"].split(",")
    rasa = first.commands()["rasa"]
    assert rasa[rasa.index("--endpoints") + 1] == str(first.endpoints_file())
    assert set(first.commands()) == {"actions", "rasa", "notify"}
    assert set(stack.front.commands()) == {"web", "console"}
    stack.stop()  # removes the generated files
    assert not first.endpoints_path.exists()


def test_make_run_keeps_the_in_memory_lock_store() -> None:
    assert "lock_store" not in yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text())


def test_beyond_loopback_the_servers_apply_the_rest_token_rule() -> None:
    settings = replace(_settings(), rasa_interface="0.0.0.0")
    stack = ScaledStack(settings, ScaleConfig(DEFAULT_REDIS_URL))
    instance: InstanceStack = stack.instances[0]
    # The server itself listens on loopback, behind nginx ...
    rasa = instance.commands()["rasa"]
    assert rasa[rasa.index("--interface") + 1] == "127.0.0.1"
    # ... but its channels see the address nginx exposes it on.
    assert instance.env()["RASA_INTERFACE"] == "0.0.0.0"


def test_nginx_sticks_socketio_to_a_server_and_balances_the_rest(tmp_path: Path) -> None:
    layout = ProxyLayout("127.0.0.1", 5005, ("127.0.0.1:7001", "127.0.0.1:7002"), 1024)
    config = nginx_config(layout, tmp_path, tmp_path / "error.log")
    socketio = config[config.index("upstream rasa_socketio") :].split("}", 1)[0]
    assert "hash $remote_addr consistent;" in socketio
    rest = config[config.index("upstream rasa {") :].split("}", 1)[0]
    assert "hash" not in rest
    for upstream in layout.upstreams:
        assert f"server {upstream}" in socketio and f"server {upstream}" in rest
    assert "listen 127.0.0.1:5005;" in config
    assert "proxy_set_header Upgrade $http_upgrade;" in config
    assert "client_max_body_size 1024;" in config
    assert "access_log off;" in config
    # Everything nginx writes stays under its prefix.
    assert f"pid {tmp_path / 'nginx.pid'};" in config


def test_make_run_scaled_stops_on_sqlite_with_the_key_named(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        "ASSISTANT_ENV_FILE": "",
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot.processes.run_scaled"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "DATABASE_URL must be a PostgreSQL URL" in result.stderr

