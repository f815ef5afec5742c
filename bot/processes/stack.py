"""Starts and stops the assistant's processes as children: the action server, the Rasa
server, the outbox worker, the demo page with the chat widget and the staff console.

`make run` (``bot.processes.run``) supervises them in the foreground; the evaluators and
the integration tests use ``Stack`` to bring up a private copy on free loopback ports.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

import yaml

from bot.processes.channels import channel_credentials, channel_environment
from bot.settings import PROJECT_ROOT, Settings
from bot.store.db import engine_for

VENV_BIN = Path(sys.executable).parent
# Masks email addresses and phone numbers in both servers' logs.
LOGGING_CONFIG = PROJECT_ROOT / "logging.yml"


class StackError(RuntimeError):
    """A process of the stack failed to start or died."""


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


def console_url(settings: Settings) -> str:
    """Where the staff console answers (loopback when it listens on every interface)."""
    host = settings.console.interface
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.console.port}"


class Stack:
    """The action server, the Rasa server, the outbox worker, the demo site and the staff
    console as child processes."""

    def __init__(
        self,
        settings: Settings,
        log_dir: Path | None = None,
        *,
        with_rasa: bool = True,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.log_dir = log_dir
        self.with_rasa = with_rasa
        # More environment for the children, e.g. the notification relays in tests: only
        # the fields above are passed on from `settings`, not its notify/handoff parts.
        self.extra_env = extra_env or {}
        self._procs: list[tuple[str, subprocess.Popen[bytes]]] = []

    def env(self) -> dict[str, str]:
        """Environment of the child processes."""
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.settings.database_url,
            ACTION_ENDPOINT_URL=self.settings.action_endpoint_url,
            # So that tools run in this environment (the advisor CLI) find the servers.
            RASA_INTERFACE=self.settings.rasa_interface,
            RASA_PORT=str(self.settings.rasa_port),
            ACTION_PORT=str(self.settings.action_port),
            LOG_LEVEL=self.settings.log_level,
            RETENTION_DAYS=str(self.settings.retention_days),
            RATE_LIMIT_BURST=str(self.settings.rate_limit_burst),
            RATE_LIMIT_PER_MINUTE=str(self.settings.rate_limit_per_minute),
            ACTION_TIMEOUT_SECONDS=str(self.settings.action_timeout_seconds),
            RATE_LIMIT_ADDRESS_BURST=str(self.settings.rate_limit_address_burst),
            RATE_LIMIT_ADDRESS_PER_MINUTE=str(self.settings.rate_limit_address_per_minute),
            TRUSTED_PROXIES=",".join(str(net) for net in self.settings.trusted_proxies),
            # Both processes import `bot` and `components` from the project root.
            PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")])),
            SQLALCHEMY_SILENCE_UBER_WARNING="1",
            # Rasa 3.6's dependencies warn about their own deprecations at every start;
            # nothing for the operator to act on.
            PYTHONWARNINGS="ignore::DeprecationWarning,ignore::PendingDeprecationWarning",
            TF_CPP_MIN_LOG_LEVEL="2",
            # The action server has no --interface flag; only the Rasa server calls it.
            SANIC_HOST="127.0.0.1",
            # The channels read these in the Rasa server (origins, REST access).
            ALLOWED_ORIGINS=",".join(self.settings.allowed_origins),
            REQUEST_MAX_SIZE=str(self.settings.request_max_size),
            # Sanic refuses a larger body from its Content-Length, before reading it.
            SANIC_REQUEST_MAX_SIZE=str(self.settings.request_max_size),
        )
        env.update(self._console_env())
        # Secrets are passed exactly as the settings say: a token left over in the
        # parent's environment must not turn the API or the REST channel on.
        for key, value in (
            ("RASA_API_TOKEN", self.settings.rasa_api_token),
            ("REST_CHANNEL_TOKEN", self.settings.rest_channel_token),
        ):
            if value:
                env[key] = value
            else:
                env.pop(key, None)
        env.update(channel_environment(self.settings))
        env.update(self.extra_env)
        return env

    def _console_env(self) -> dict[str, str]:
        # The console reads its own keys; these are the values this stack runs with (a
        # private stack's free port included), whatever the parent's .env says.
        console = self.settings.console
        return {
            "CONSOLE_INTERFACE": console.interface,
            "CONSOLE_PORT": str(console.port),
            "CONSOLE_IDLE_MINUTES": str(console.idle_minutes),
            "CONSOLE_SECURE_COOKIES": "true" if console.secure_cookies else "false",
            "CONSOLE_FIRST_RESPONSE_MINUTES": str(console.first_response_minutes),
            "CONSOLE_MAX_FAILED_LOGINS": str(console.max_failed_logins),
            "CONSOLE_LOCKOUT_MINUTES": str(console.lockout_minutes),
        }

    @property
    def console_url(self) -> str:
        """The staff console's address."""
        return console_url(self.settings)

    def credentials_file(self) -> Path:
        """Rasa's credentials file for this stack: the channels that are configured.

        Written under var/run, without secrets (the channels read those from the
        environment), so that a channel without credentials is simply not there.
        """
        path = PROJECT_ROOT / "var" / "run" / f"credentials-{self.settings.rasa_port}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(channel_credentials(self.settings), sort_keys=False))
        return path

    def endpoints_file(self) -> Path:
        """Rasa's endpoints file (the scale-out stack writes its own)."""
        return PROJECT_ROOT / "endpoints.yml"

    def commands(self) -> dict[str, list[str]]:
        """The command line of each process."""
        s = self.settings
        rasa = str(VENV_BIN / "rasa")
        # The launcher adds --auth-token from RASA_API_TOKEN inside the process, so that
        # the token is not on a command line (`ps`).
        server = [
            sys.executable,
            "-m",
            "components.rasa_server",
            "run",
            "--model",
            str(s.model_path),
            "--endpoints",
            str(self.endpoints_file()),
            "--credentials",
            str(self.credentials_file()),
            "--interface",
            s.rasa_interface,
            "--port",
            str(s.rasa_port),
            "--cors",
            *s.allowed_origins,
            "--logging-config-file",
            str(LOGGING_CONFIG),
        ]
        if s.rasa_api_token:
            # The HTTP API can rewrite conversations: never expose it without a token.
            server += ["--enable-api"]
        # Rasa sends the action server the whole session's tracker (about 5 kB a message),
        # so the body limit meant for the internet would break long conversations there.
        actions = ["env", "-u", "SANIC_REQUEST_MAX_SIZE"]
        actions += [rasa, "run", "actions", "--actions", "actions", "--port", str(s.action_port)]
        actions += ["--logging-config-file", str(LOGGING_CONFIG)]
        if not self.with_rasa:
            return {"actions": actions}
        # The outbox worker delivers advisor notifications (bot/notify/worker.py).
        notify = [sys.executable, "-m", "bot.notify.worker"]
        # The demo page with the chat widget (bot/processes/demo_site.py).
        demo = [sys.executable, "-m", "bot.processes.demo_site", "--port", str(s.widget_port)]
        demo += ["--rasa-url", s.rasa_url]
        # The staff console (bot/console/server.py), on CONSOLE_PORT from the environment.
        console = [sys.executable, "-m", "bot.console.server"]
        return {
            "actions": actions,
            "rasa": server,
            "notify": notify,
            "web": demo,
            "console": console,
        }

    def start(self, timeout: float = 240.0) -> None:
        """Start the processes and wait until they answer."""
        self.launch()
        try:
            self.wait_ready(timeout)
        except BaseException:
            # Never leave half a stack running behind a failed start.
            self.stop()
            raise

    def launch(self) -> None:
        """Start the processes without waiting for them (``wait_ready`` does)."""
        if not self.settings.model_path.exists():
            raise StackError(f"no trained model at {self.settings.model_path}; run `make train`")
        if self.settings.database_url.startswith("sqlite:///"):
            Path(self.settings.database_url.removeprefix("sqlite:///")).parent.mkdir(
                parents=True, exist_ok=True
            )
        # Migrate before the servers start, so that they never race to create tables;
        # engine_for does it once per process and the retention purge reuses it.
        engine_for(self.settings.database_url)
        for name in self.commands():
            self._procs.append((name, self._spawn(name)))

    def wait_ready(self, timeout: float = 240.0) -> None:
        """Wait until every process answers; StackError if one dies or time runs out."""
        self._wait_ready(timeout)

    def _spawn(self, name: str) -> subprocess.Popen[bytes]:
        output = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            output = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115
        proc = subprocess.Popen(
            self.commands()[name],
            cwd=PROJECT_ROOT,
            env=self.env(),
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            # Own process group: Ctrl-C reaches only us, and we stop the children in order.
            start_new_session=True,
        )
        if output is not None:
            output.close()  # the child keeps its own copy
        return proc

    def pid(self, name: str) -> int | None:
        """The process id of the running child ``name`` (tests stop one on purpose)."""
        for child, proc in self._procs:
            if child == name and proc.poll() is None:
                return proc.pid
        return None

    def exited(self) -> list[tuple[str, int]]:
        """The children that have died, with their exit codes."""
        return [(name, proc.returncode) for name, proc in self._procs if proc.poll() is not None]

    def restart(self, name: str, timeout: float = 240.0) -> None:
        """Start the child ``name`` again (it has died) and wait until it answers."""
        index = next(i for i, (n, _) in enumerate(self._procs) if n == name)
        self._procs[index] = (name, self._spawn(name))
        self._wait_ready(timeout, only={name})

    def _wait_ready(self, timeout: float, only: set[str] | None = None) -> None:
        checks = {
            "actions": f"http://127.0.0.1:{self.settings.action_port}/health",
            "rasa": f"{self.settings.rasa_url}/webhooks/rest/",
            "web": f"{self.settings.widget_url}/health",
            "console": f"{self.console_url}/health",
        }
        deadline = time.monotonic() + timeout
        pending = {
            name: url
            for name, url in checks.items()
            if name in self.commands() and (only is None or name in only)
        }
        while pending:
            for name, proc in self._procs:
                if proc.poll() is not None:
                    raise StackError(f"{name} server exited with code {proc.returncode}")
            for name, url in list(pending.items()):
                if _http_ok(url):
                    del pending[name]
            if time.monotonic() > deadline:
                raise StackError(f"not ready after {timeout:.0f}s: {', '.join(pending)}")
            time.sleep(0.5)

    def stop(self, grace: float = 15.0) -> None:
        """Stop the Rasa server first (it calls the action server), then the actions."""
        for _name, proc in reversed(self._procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for _name, proc in self._procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self._procs.clear()

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
