"""``make run-scaled``: the scale-out deployment in the foreground, supervised.

Like ``make run`` (``bot.processes.run``): checks the settings, starts the stack
(``bot.processes.scaled``), prints where to reach it, restarts a child that dies
(doubling pause; one that keeps dying stops the run), runs the retention purge at start
and daily (once for all instances), and stops everything on Ctrl-C, SIGTERM or SIGHUP.
"""

from __future__ import annotations

import logging
import sys

from bot.handoff.hours import parse_business_hours
from bot.processes.run import supervise
from bot.processes.scaled import (
    ScaleConfigError,
    ScaledStack,
    scale_config,
    scaled_settings,
)
from bot.settings import PROJECT_ROOT

RUN_LOG_DIR = PROJECT_ROOT / "var" / "log" / "run-scaled"


def addresses(stack: ScaledStack) -> list[str]:
    """Where to reach the scaled assistant, one line per way in."""
    url = stack.base_url
    servers = ", ".join(stack.instance_urls)
    return [
        f"  nginx:     {url}  (the Rasa servers behind it: {servers})",
        f"  demo page: {stack.settings.widget_url}/",
        f'  REST:      POST {url}/webhooks/rest/webhook  {{"sender": "me", "message": "hello"}}',
        f"  socket.io: {url}/socket.io  (sticky per client address)",
        f"  console:   {stack.console_url}/",
        f"  database:  {stack.settings.database_url.split('@')[-1]}  (PostgreSQL)",
        f"  redis:     {stack.config.redis_url.split('@')[-1]}  (prefix {stack.config.key_prefix})",
        f"  logs:      {RUN_LOG_DIR.relative_to(PROJECT_ROOT)}/",
    ]


def run(stack: ScaledStack) -> int:
    """Run until stopped; the exit code says whether it stopped cleanly."""
    return supervise(
        stack,
        f"Starting {len(stack.instances)} Rasa servers behind nginx (a minute or two) ...",
        lambda: ["\nThe assistant is running (scaled).", *addresses(stack)],
        RUN_LOG_DIR,
    )


def main() -> int:
    """``python -m bot.processes.run_scaled``; exit code 2 for a configuration error."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        settings = scaled_settings()
        parse_business_hours(settings.handoff.business_hours, settings.handoff.timezone)
        config = scale_config(settings)
    except (ValueError, ScaleConfigError) as exc:
        print(f"Configuration error: {exc}. Fix it in .env or the environment.", file=sys.stderr)
        return 2
    return run(ScaledStack(settings, config, log_dir=RUN_LOG_DIR))


if __name__ == "__main__":
    sys.exit(main())
