"""``make bench-console``: the staff console with 100,000 conversations.

Seeds a throwaway database (SQLite in a temporary directory by default; or a new
database on the PostgreSQL server of ``--database-url``, dropped afterwards) with
conversations as Rasa writes them (``events``) and their summaries, bulk-inserted by
``tests/console/seed.py``; signs in through the login form; then times the pages with
Flask's test client (the whole request: routing, session check, queries, template):
the conversation list (first page, a filtered page, a text search), a transcript, the
dashboard for 30 and 365 days, and the other pages of the navigation. Prints the median
(p50) and p95 of ``--repeat`` requests per page and writes ``bench/results/console.md``.

A page that does not exist yet (its blueprint is not there) is listed as missing,
not timed.

    python -m bench.console_bench                        # SQLite, 100,000 conversations
    python -m bench.console_bench --conversations 10000 --repeat 5
    python -m bench.console_bench --database-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyotp
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "console.md"
EMAIL = "bench-admin@clinic.test"
PASSWORD = "bench password: correct horse battery staple"
# Conversations start over the year before now, so that the 365-day dashboard is full.
SEED_DAYS = 365
# A word every seeded conversation family uses a little: the search has hits to show.
SEARCH_WORD = "chest pain"


@dataclass(frozen=True)
class Timing:
    """One page's request times, in milliseconds."""

    name: str
    url: str | None
    times_ms: list[float]
    status: int | None = None
    size: int = 0
    note: str = ""

    @property
    def p50(self) -> float:
        return statistics.median(self.times_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.times_ms)
        # Nearest rank: with 20 requests, the 19th.
        return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


# --- the throwaway database ----------------------------------------------------------


@contextmanager
def throwaway_database(server_url: str | None, keep: bool) -> Iterator[str]:
    """A new, empty database: a SQLite file in a temporary directory, or a database of
    its own on the PostgreSQL server of ``server_url``; removed afterwards unless
    ``keep``."""
    if not server_url or server_url.startswith("sqlite"):
        directory = tempfile.mkdtemp(prefix="console-bench-")
        path = Path(directory) / "bench.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            if keep:
                print(f"kept: {path}")
            else:
                for file in Path(directory).iterdir():
                    file.unlink()
                Path(directory).rmdir()
        return
    name = f"console_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        from bot.store.db import engine_for

        engine_for(url).dispose()
        if keep:
            print(f"kept: database {name}")
        else:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def seed(url: str, conversations: int) -> tuple[float, int, str]:
    """Seed ``conversations``; (seconds, event rows, one conversation id)."""
    from tests.console.seed import seed_conversations

    started = time.perf_counter()

    def progress(done: int) -> None:
        if done % 10_000 < 2_000 or done == conversations:
            print(f"  seeded {done:,} conversations", flush=True)

    ids = seed_conversations(
        url, conversations, seed=7, days=SEED_DAYS, prefix="bench-", progress=progress
    )
    engine = sa.create_engine(url, future=True)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # Autovacuum would gather the planner's statistics soon after a load like
            # this; the benchmark does not wait for it.
            connection.execute(sa.text("ANALYZE"))
        events = connection.execute(sa.text("SELECT count(*) FROM events")).scalar_one()
    engine.dispose()
    return time.perf_counter() - started, int(events), ids[len(ids) // 2]


# --- signing in ----------------------------------------------------------------------


def add_admin(url: str) -> str:
    """An admin account (every page is open to it); its TOTP secret."""
    from bot.console.passwords import hash_password
    from bot.console.totp import new_secret
    from bot.store.db import session_scope
    from bot.store.models import StaffUser

    secret = new_secret()
    with session_scope(url) as session:
        session.add(
            StaffUser(
                email=EMAIL,
                display_name="Bench Admin",
                role="admin",
                password_hash=hash_password(PASSWORD),
                totp_secret=secret,
                totp_confirmed=True,
            )
        )
    return secret


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if found is None:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


def sign_in(client: FlaskClient, secret: str) -> None:
    """Through the login form and the code page, as a person would."""
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": _csrf(page)}
    )
    if response.status_code != 302:
        raise RuntimeError(f"login failed: {response.status_code}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    response = client.post(
        "/login/code", data={"code": pyotp.TOTP(secret).now(), "csrf_token": _csrf(page)}
    )
    if response.status_code != 302:
        raise RuntimeError(f"second factor failed: {response.status_code}")


# --- the pages -----------------------------------------------------------------------


def _url(app: Flask, endpoint: str, **values: Any) -> str | None:
    """The URL of ``endpoint`` with ``values`` (path arguments by their rule's names), or
    None when the page does not exist (yet)."""
    if endpoint not in app.view_functions:
        return None
    with app.test_request_context():
        from flask import url_for

        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        # A single path argument (the conversation's id) whatever its name in the rule.
        if "_path" in values:
            argument = next(iter(rule.arguments), None)
            path_value = values.pop("_path")
            if argument is not None:
                values[argument] = path_value
        return url_for(endpoint, **values)


def pages(
    app: Flask, conversation_id: str, today: str, year_ago: str
) -> list[tuple[str, str | None]]:
    """(name, URL) of the pages to time; URL None for a page that does not exist."""
    listed = [
        ("Conversation list, first page", _url(app, "conversations.index")),
        (
            "Conversation list, filtered (telegram, with a fallback)",
            _url(app, "conversations.index", channel="telegram", fallback="yes"),
        ),
        ("Conversation list, text search", _url(app, "conversations.index", q=SEARCH_WORD)),
        ("Transcript", _url(app, "conversations.show", _path=conversation_id)),
        ("Dashboard, 30 days", _url(app, "home.dashboard")),
        ("Dashboard, 365 days", _url(app, "home.dashboard", start=year_ago, end=today)),
    ]
    from bot.console.views import NAV

    seen = {url for _, url in listed if url}
    for endpoint, label, _admin in NAV:
        url = _url(app, endpoint)
        if url and url not in seen:
            listed.append((f"{label} (first page)", url))
            seen.add(url)
    return listed


def time_page(client: FlaskClient, name: str, url: str | None, repeat: int) -> Timing:
    """``repeat`` timed GETs after one untimed (caches, first compilation of templates)."""
    if url is None:
        return Timing(name, None, [0.0], note="page not there yet")
    first = client.get(url)
    if first.status_code != 200:
        return Timing(name, url, [0.0], status=first.status_code, note="not 200")
    times = []
    size = 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        body = response.get_data()
        times.append((time.perf_counter() - started) * 1000)
        size = len(body)
        if response.status_code != 200:
            return Timing(name, url, times, status=response.status_code, note="not 200")
    return Timing(name, url, times, status=200, size=size)


# --- the report ----------------------------------------------------------------------


def _database_label(url: str) -> str:
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                version = connection.execute(sa.text("SHOW server_version")).scalar_one()
                return f"PostgreSQL {version}"
            version = connection.execute(sa.text("select sqlite_version()")).scalar_one()
            return f"SQLite {version} (a file in a temporary directory)"
    finally:
        engine.dispose()


def _load() -> str:
    try:
        return " / ".join(f"{value:.2f}" for value in os.getloadavg()) + " (1 / 5 / 15 min)"
    except OSError:
        return "unknown"


def report(
    timings: list[Timing],
    *,
    conversations: int,
    events: int,
    seed_seconds: float,
    repeat: int,
    database: str,
) -> str:
    """The Markdown written to ``bench/results/console.md``."""
    lines = [
        "# Console benchmark",
        "",
        f"`make bench-console` on {datetime.now().strftime('%Y-%m-%d %H:%M')}: "
        f"{conversations:,} conversations ({events:,} Rasa events, one summary each, and "
        "their leads, handoffs and safety flags) started over the last year, in "
        f"{database}.",
        "",
        f"- Machine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}",
        f"- Load average when done (other work on the machine skews the times): {_load()}",
        f"- Seeding (bulk inserts, `tests/console/seed.py`): {seed_seconds:.1f} s",
        f"- Each page: one untimed request, then {repeat} timed GETs with Flask's test client "
        "as a signed-in admin (routing, session check, queries, template; no network).",
        "",
        "| page | p50 ms | p95 ms | max ms | KiB | URL |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for t in timings:
        if t.note:
            lines.append(f"| {t.name} | – | – | – | – | {t.note} ({t.url or 'no view'}) |")
        else:
            lines.append(
                f"| {t.name} | {t.p50:.1f} | {t.p95:.1f} | {max(t.times_ms):.1f} | "
                f"{t.size / 1024:.0f} | `{t.url}` |"
            )
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server (postgresql://user@host:port/db): the benchmark creates a "
        "database of its own there and drops it afterwards; default SQLite",
    )
    parser.add_argument("--keep", action="store_true", help="keep the seeded database")
    parser.add_argument(
        "--out",
        type=Path,
        help="the Markdown report (default bench/results/console.md, or "
        "console-postgresql.md for PostgreSQL)",
    )
    args = parser.parse_args(argv)
    if args.out is None:
        postgres = bool(args.database_url) and not args.database_url.startswith("sqlite")
        args.out = RESULTS.with_name("console-postgresql.md") if postgres else RESULTS
    if args.conversations < 1 or args.repeat < 1:
        parser.error("--conversations and --repeat must be positive")

    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    from bot.console.app import create_app
    from bot.settings import load_settings

    with throwaway_database(args.database_url, args.keep) as url:
        database = _database_label(url)
        out(f"seeding {args.conversations:,} conversations into {database} ...")
        seed_seconds, events, conversation_id = seed(url, args.conversations)
        out(f"seeded in {seed_seconds:.1f} s ({events:,} events)")

        settings = replace(load_settings({}, read_dotenv=False), database_url=url)
        app = create_app(settings)
        secret = add_admin(url)
        client = app.test_client()
        sign_in(client, secret)
        zone = ZoneInfo(settings.handoff.timezone)
        today = datetime.now(zone).date()
        year_ago = (today - timedelta(days=364)).isoformat()

        timings = []
        for name, url_of_page in pages(app, conversation_id, today.isoformat(), year_ago):
            timing = time_page(client, name, url_of_page, args.repeat)
            timings.append(timing)
            if timing.note:
                out(f"  {name:<58} {timing.note}")
            else:
                out(f"  {name:<58} p50 {timing.p50:7.1f} ms   p95 {timing.p95:7.1f} ms")

    text = report(
        timings,
        conversations=args.conversations,
        events=events,
        seed_seconds=seed_seconds,
        repeat=args.repeat,
        database=database,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    out(f"written: {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
