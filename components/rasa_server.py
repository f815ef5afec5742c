"""Starts Rasa's command line in this process, with the API token from the environment.

``python -m components.rasa_server run --enable-api ...`` is ``rasa run --enable-api
... --auth-token <RASA_API_TOKEN>``, except that the token never appears on a command
line: every local user can read those (``ps``, /proc/<pid>/cmdline), while a process's
environment is readable by its owner only. /proc shows the arguments this process was
started with, not the ``sys.argv`` it builds for Rasa here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

TOKEN_KEY = "RASA_API_TOKEN"
TOKEN_FLAG = "--auth-token"


def rasa_argv(args: list[str], environ: Mapping[str, str]) -> list[str]:
    """Rasa's argv: ``args`` plus the token flag when the environment holds a token."""
    if any(arg == TOKEN_FLAG or arg.startswith(TOKEN_FLAG + "=") for arg in args):
        # That token would be visible to everyone, which is what this launcher prevents.
        raise SystemExit(f"pass the API token in {TOKEN_KEY}, not as {TOKEN_FLAG}")
    token = environ.get(TOKEN_KEY, "")
    return ["rasa", *args, *([TOKEN_FLAG, token] if token else [])]


def main() -> None:
    """Run Rasa's CLI with this process's arguments and the token."""
    sys.argv = rasa_argv(sys.argv[1:], os.environ)
    # Imported here: Rasa takes seconds to import, and only now is its argv ready.
    from rasa.__main__ import main as rasa_main

    from components import action_result_validation, action_server_liveness, event_type_lookup

    action_result_validation.install()
    action_server_liveness.install()
    event_type_lookup.install()
    rasa_main()


if __name__ == "__main__":
    main()
