"""The scale-out deployment (``make run-scaled``): several Rasa servers behind nginx.

Each instance is an action server, a Rasa server and an outbox worker (``Stack``'s own
processes, on free loopback ports). They share:

- PostgreSQL: the tracker store and the project's tables (``DATABASE_URL``); the
  migrations run once, under an advisory lock (``bot.store.migrate``); the outbox
  workers claim rows with ``FOR UPDATE SKIP LOCKED`` (``bot.notify.worker``), so each
  instance runs one.
- Redis (``REDIS_URL``): Rasa's lock store (``components.redis_lock_store``), so that
  the turns of one conversation never run side by side on two servers, and the
  socket.io message queue, so that a message any server sends reaches the widget
  wherever it is connected. Keys and the pub/sub channel start with
  ``REDIS_KEY_PREFIX``.

nginx (``bot.processes.nginx``) listens where a single Rasa server would
(``RASA_INTERFACE:RASA_PORT``); the demo page and the staff console run once and talk
to nginx. ``ScaledStack(...).base_url`` is that address (benchmarks point at it).
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType

import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from bot.processes.nginx import ProxyLayout, nginx_binary, nginx_command, write_config
from bot.processes.stack import Stack, StackError, free_port
from bot.settings import PROJECT_ROOT, Settings, load_settings, redis_url
from bot.store.db import engine_for

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/ra_assistant"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_KEY_PREFIX = "raassistant"
INSTANCES = 2
# The processes of one instance; the demo page and the console run once.
INSTANCE_PROCESSES = ("actions", "rasa", "notify")
FRONT_PROCESSES = ("web", "console")
# nginx on loopback is the Rasa servers' proxy: its X-Forwarded-For is believed.
LOOPBACK_PROXY = ipaddress.ip_network("127.0.0.1/32")

# Appended to the project's endpoints.yml: Rasa reads ${...} from each server's
# environment, so the password in REDIS_URL stays out of the file.
LOCK_STORE_SECTION = """
# make run-scaled: the Rasa servers share their conversation locks in Redis (each ticket
# change one Redis transaction: components/redis_lock_store.py).
lock_store:
  type: components.redis_lock_store.AtomicRedisLockStore
  url: ${REDIS_URL}
  key_prefix: ${REDIS_KEY_PREFIX}
"""


class ScaleConfigError(ValueError):
    """A setting the scaled stack cannot run with; the message names the key."""


@dataclass(frozen=True)
class ScaleConfig:
    """What the scaled stack needs beyond ``Settings``."""

    redis_url: str
    # Alphanumeric: Rasa's Redis lock store ignores any other prefix.
    key_prefix: str = DEFAULT_KEY_PREFIX
    instances: int = INSTANCES


def require_postgresql(settings: Settings) -> None:
    """The scaled stack's database must be PostgreSQL: SQLite is one file on one machine,
    and its single writer would serialise the servers anyway."""
    backend = make_url(settings.database_url).get_backend_name()
    if backend != "postgresql":
        raise ScaleConfigError(
            f"DATABASE_URL must be a PostgreSQL URL for make run-scaled (several servers "
            f"share it), e.g. {DEFAULT_DATABASE_URL}; got a {backend} URL"
        )


def scale_config(settings: Settings, env: dict[str, str] | None = None) -> ScaleConfig:
    """Check ``settings`` for the scaled stack; REDIS_URL and REDIS_KEY_PREFIX from ``env``
    (default: the environment, `.env` included once ``load_settings`` has run)."""
    env = dict(os.environ) if env is None else env
    require_postgresql(settings)
    prefix = env.get("REDIS_KEY_PREFIX", "").strip() or DEFAULT_KEY_PREFIX
    if not prefix.isalnum():
        raise ScaleConfigError(f"REDIS_KEY_PREFIX must be letters and digits only, got {prefix!r}")
    try:
        url = redis_url(env, "REDIS_URL") or DEFAULT_REDIS_URL
    except ValueError as exc:
        raise ScaleConfigError(str(exc)) from None
    return ScaleConfig(redis_url=url, key_prefix=prefix)


def scaled_settings() -> Settings:
    """``load_settings`` with the scaled stack's default database (PostgreSQL on this
    machine) when DATABASE_URL is set neither in the environment nor in `.env`."""
    settings = load_settings()
    if not os.environ.get("DATABASE_URL", "").strip():
        settings = replace(settings, database_url=DEFAULT_DATABASE_URL)
    return settings


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of ``url`` if the server has none of that name."""
    try:
        with create_engine(url, poolclass=NullPool).connect():
            return
    except OperationalError as exc:
        if "does not exist" not in str(exc):
            raise StackError(
                f"cannot reach PostgreSQL at {make_url(url).render_as_string()}: "
                f"{type(exc).__name__}"
            ) from None
    parsed = make_url(url)
    name = parsed.database or ""
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise StackError(f"database {name!r} does not exist; create it first")
    admin = create_engine(
        parsed.set(database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))


def check_redis(url: str) -> None:
    """Fail with a clear message unless Redis answers at ``url``."""
    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        safe = url.split("@")[-1]
        raise StackError(f"Redis does not answer at {safe}: {type(exc).__name__}") from None
    finally:
        client.close()


class InstanceStack(Stack):
    """One instance: action server, Rasa server and outbox worker."""

    def __init__(
        self,
        settings: Settings,
        config: ScaleConfig,
        public_interface: str,
        log_dir: Path | None,
        extra_env: dict[str, str] | None,
    ) -> None:
        super().__init__(settings, log_dir, extra_env=extra_env)
        self.config = config
        self.public_interface = public_interface

    def env(self) -> dict[str, str]:
        env = super().env()
        env.update(
            REDIS_URL=self.config.redis_url,
            REDIS_KEY_PREFIX=self.config.key_prefix,
            SOCKETIO_REDIS_URL=self.config.redis_url,
            SOCKETIO_REDIS_CHANNEL=f"{self.config.key_prefix}-socketio",
            # The channels' rules (the REST channel's token beyond loopback) follow where
            # nginx exposes the server, not the loopback port it listens on itself.
            RASA_INTERFACE=self.public_interface,
        )
        return env

    @property
    def endpoints_path(self) -> Path:
        return PROJECT_ROOT / "var" / "run" / f"endpoints-{self.settings.rasa_port}.yml"

    def endpoints_file(self) -> Path:
        """The project's endpoints plus the shared lock store, written for this server."""
        path = self.endpoints_path
        path.parent.mkdir(parents=True, exist_ok=True)
        base = (PROJECT_ROOT / "endpoints.yml").read_text()
        path.write_text(base.rstrip("\n") + "\n" + LOCK_STORE_SECTION)
        return path

    def commands(self) -> dict[str, list[str]]:
        commands = super().commands()
        return {name: commands[name] for name in INSTANCE_PROCESSES}


class FrontStack(Stack):
    """The demo page and the staff console, once, talking to nginx."""

    def commands(self) -> dict[str, list[str]]:
        commands = super().commands()
        return {name: commands[name] for name in FRONT_PROCESSES}


class ScaledStack:
    """Several instances, nginx in front, the demo page and the console."""

    def __init__(
        self,
        settings: Settings,
        config: ScaleConfig,
        log_dir: Path | None = None,
        *,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        require_postgresql(settings)
        self.settings = settings
        self.config = config
        self.log_dir = log_dir
        trusted = settings.trusted_proxies
        if LOOPBACK_PROXY not in trusted:
            trusted = (*trusted, LOOPBACK_PROXY)
        self.instances = [
            InstanceStack(
                replace(
                    settings,
                    rasa_interface="127.0.0.1",
                    rasa_port=free_port(),
                    action_port=free_port(),
                    trusted_proxies=trusted,
                ),
                config,
                settings.rasa_interface,
                log_dir / f"instance-{number}" if log_dir else None,
                extra_env,
            )
            for number in range(1, config.instances + 1)
        ]
        self.front = FrontStack(settings, log_dir, extra_env=extra_env)
        self._nginx: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        """nginx's address: where clients (the widget, REST, benchmarks) go."""
        return self.settings.rasa_url

    @property
    def instance_urls(self) -> list[str]:
        """Each Rasa server's own address (loopback), bypassing nginx."""
        return [instance.settings.rasa_url for instance in self.instances]

    @property
    def console_url(self) -> str:
        return self.front.console_url

    def _nginx_paths(self) -> tuple[Path, Path]:
        prefix = PROJECT_ROOT / "var" / "run" / f"nginx-{self.settings.rasa_port}"
        logs = self.log_dir or prefix
        return prefix, logs / "nginx-error.log"

    def _nginx_command(self) -> list[str]:
        """Write nginx's configuration; its command line."""
        binary = nginx_binary()
        if binary is None:
            raise StackError(
                "nginx is not installed (Debian: apt-get install nginx; or set NGINX to its path)"
            )
        prefix, error_log = self._nginx_paths()
        layout = ProxyLayout(
            interface=self.settings.rasa_interface,
            port=self.settings.rasa_port,
            upstreams=tuple(
                f"127.0.0.1:{instance.settings.rasa_port}" for instance in self.instances
            ),
            max_body_bytes=self.settings.request_max_size,
        )
        config = write_config(layout, prefix, error_log)
        return nginx_command(binary, prefix, config, error_log)

    def _start_nginx(self) -> None:
        command = self._nginx_command()
        checked = subprocess.run([*command, "-t", "-q"], capture_output=True, text=True)
        if checked.returncode != 0:
            raise StackError(f"nginx refused its configuration: {checked.stderr.strip()}")
        self._nginx = subprocess.Popen(command, cwd=PROJECT_ROOT, start_new_session=True)
        deadline = time.monotonic() + 30
        while True:
            if self._nginx.poll() is not None:
                raise StackError(f"nginx exited with code {self._nginx.returncode}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/webhooks/rest/", timeout=2):
                    return
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise StackError("nginx not ready after 30s") from None
                time.sleep(0.3)

    def start(self, timeout: float = 300.0) -> None:
        """Check the services, migrate once, start everything and wait until it answers."""
        if nginx_binary() is None:
            self._nginx_command()  # raises, naming what is missing
        check_redis(self.config.redis_url)
        ensure_database(self.settings.database_url)
        # Once here, so that the children find the schema current (they would wait for
        # each other on the advisory lock otherwise, which is safe but slower).
        engine_for(self.settings.database_url)
        try:
            # The servers load the model side by side; Rasa retries creating its events
            # table when another server created it at the same moment.
            for instance in self.instances:
                instance.launch()
            for instance in self.instances:
                instance.wait_ready(timeout)
            self._start_nginx()
            self.front.start(timeout)
        except BaseException:
            self.stop()
            raise

    def _child(self, name: str) -> tuple[Stack, str]:
        """The stack running ``name`` ("rasa-2", "console" ...) and its name there."""
        if name in FRONT_PROCESSES:
            return self.front, name
        child, _, number = name.rpartition("-")
        if child in INSTANCE_PROCESSES and number.isdigit():
            index = int(number) - 1
            if 0 <= index < len(self.instances):
                return self.instances[index], child
        raise KeyError(name)

    def pid(self, name: str) -> int | None:
        """The process id of ``name`` (``rasa-1``, ``actions-2``, ``nginx``, ``console`` ...)."""
        if name == "nginx":
            return self._nginx.pid if self._nginx and self._nginx.poll() is None else None
        stack, child = self._child(name)
        return stack.pid(child)

    def exited(self) -> list[tuple[str, int]]:
        """The children that have died, with their exit codes."""
        dead: list[tuple[str, int]] = []
        for number, instance in enumerate(self.instances, start=1):
            dead += [(f"{name}-{number}", code) for name, code in instance.exited()]
        dead += self.front.exited()
        if self._nginx is not None and self._nginx.poll() is not None:
            dead.append(("nginx", self._nginx.returncode))
        return dead

    def restart(self, name: str, timeout: float = 300.0) -> None:
        """Start the dead child ``name`` again and wait until it answers."""
        if name == "nginx":
            self._start_nginx()
            return
        stack, child = self._child(name)
        stack.restart(child, timeout)

    def stop(self, grace: float = 15.0) -> None:
        """nginx first (no new requests), then the console and demo page, then the
        instances (each stops its Rasa server before its action server)."""
        if self._nginx is not None:
            if self._nginx.poll() is None:
                # nginx's fast stop: a graceful one would wait for the long-polls.
                os.killpg(self._nginx.pid, signal.SIGTERM)
            try:
                self._nginx.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.killpg(self._nginx.pid, signal.SIGKILL)
                self._nginx.wait()
            self._nginx = None
        self.front.stop(grace)
        for instance in self.instances:
            instance.stop(grace)
        # Generated per start (free ports): nothing to keep.
        shutil.rmtree(self._nginx_paths()[0], ignore_errors=True)
        for instance in self.instances:
            instance.endpoints_path.unlink(missing_ok=True)

    def __enter__(self) -> ScaledStack:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
