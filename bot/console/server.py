"""``python -m bot.console.server``: the console on CONSOLE_PORT (waitress, WSGI)."""

from __future__ import annotations

import logging
import sys

from waitress import serve

from bot.console.app import create_app
from bot.settings import load_settings


def main() -> int:
    logging.basicConfig(level=logging.WARNING)
    try:
        settings = load_settings()
    except ValueError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    console = settings.console
    if console.interface not in ("127.0.0.1", "::1", "localhost") and not console.secure_cookies:
        # Passwords and patients' data would cross the network in clear text.
        print(
            f"Warning: the console listens on {console.interface} without TLS; put an HTTPS "
            "reverse proxy in front and set CONSOLE_URL to its https:// address.",
            file=sys.stderr,
        )
    # A few threads: pages are short database reads; the inbox polls.
    serve(
        create_app(settings), host=console.interface, port=console.port, threads=8, ident="console"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
