"""``make shell``: talk to the assistant in the terminal.

A private action server on a free port, so the shell also works while `make run` is up.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from dataclasses import replace

from bot.processes.stack import VENV_BIN, Stack, StackError, free_port
from bot.settings import PROJECT_ROOT, Settings, load_settings


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def shell(settings: Settings) -> int:
    """Run `rasa shell` against a private action server; its exit code."""
    # A private action server, so the shell also works while `make run` is up.
    settings = replace(settings, action_port=free_port())
    # Closing the terminal must run the `finally` below that stops the action server.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on_signal)
    stack = Stack(settings, log_dir=PROJECT_ROOT / "var" / "log" / "shell", with_rasa=False)
    try:
        stack.start()
        command = [
            str(VENV_BIN / "rasa"),
            "shell",
            "--model",
            str(settings.model_path),
            "--endpoints",
            str(PROJECT_ROOT / "endpoints.yml"),
            "--port",
            str(free_port()),
            "--interface",
            "127.0.0.1",
        ]
        return subprocess.call(command, cwd=PROJECT_ROOT, env=stack.env())
    except StackError as exc:
        print(f"Could not start: {exc}", file=sys.stderr)
        return 1
    finally:
        stack.stop()


def main() -> int:
    """``python -m bot.processes.shell``."""
    return shell(load_settings())


if __name__ == "__main__":
    sys.exit(main())
