"""The load client: simulated users over a bot's REST channel, with asyncio and aiohttp.

Each user is its own conversation (its own sender id) and sends its script's turns back
to back: the next message as soon as the reply is in (a closed loop with no think time,
so the figures are the server's capacity, not a typing speed). A level runs all its
users at once until each has finished at least one whole conversation and
``min_seconds`` have passed; users then stop at their next turn. Throughput is the
answered turns over the level's wall time.

Only ``POST {base_url}/webhooks/rest/webhook`` with ``{"sender", "message"}`` is used,
so the same client measures our stack, the stock starter or a scaled stack behind a
load balancer: anything that serves Rasa's REST channel at a base URL. A failed turn
is counted and the conversation goes on; nothing here raises for a server's fault.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp

from bench.scripts import Script, Turn
from bench.stats import LevelStats

WEBHOOK = "/webhooks/rest/webhook"


@dataclass(frozen=True)
class TurnResult:
    """One message and its reply."""

    user: int
    turn: int  # 1-based, within its conversation
    latency_ms: float
    error: str | None = None  # why the turn failed; None when it was answered
    on_script: bool = True
    text: str = ""  # the message sent


@dataclass
class LevelResult:
    """Every turn of one concurrency level."""

    users: int
    wall_s: float = 0.0
    conversations: int = 0
    turns: list[TurnResult] = field(default_factory=list)

    def stats(self) -> LevelStats:
        """The level's percentiles, throughput and error counts."""
        answered = [t.latency_ms for t in self.turns if t.error is None]
        return LevelStats.of(
            self.users,
            answered,
            errors=sum(t.error is not None for t in self.turns),
            off_script=sum(t.error is None and not t.on_script for t in self.turns),
            wall_s=self.wall_s,
            conversations=self.conversations,
        )

    def error_kinds(self) -> dict[str, int]:
        """How many turns failed for each reason."""
        kinds: dict[str, int] = {}
        for t in self.turns:
            if t.error is not None:
                kinds[t.error] = kinds.get(t.error, 0) + 1
        return kinds

    def off_script_messages(self) -> dict[str, int]:
        """How often each message got an answer the script did not expect."""
        found: dict[str, int] = {}
        for t in self.turns:
            if t.error is None and not t.on_script:
                found[t.text] = found.get(t.text, 0) + 1
        return found


@dataclass(frozen=True)
class Target:
    """Where a bot's REST channel is, and how to recognise a turned-away message."""

    base_url: str
    token: str = ""  # REST_CHANNEL_TOKEN, when the channel is beyond loopback
    # (lower-case phrase, error label) of replies that mean "not processed, try again":
    # our channels' rate limit and action-server check answer 200 with such a text.
    refusals: tuple[tuple[str, str], ...] = ()
    timeout_s: float = 60.0

    @property
    def webhook(self) -> str:
        return self.base_url.rstrip("/") + WEBHOOK

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


async def send_turn(
    session: aiohttp.ClientSession, target: Target, sender: str, turn: Turn
) -> tuple[float, str | None, bool]:
    """Send one message: (latency in ms, error or None, whether the reply was on script)."""
    started = time.perf_counter()
    try:
        async with session.post(
            target.webhook,
            json={"sender": sender, "message": turn.text},
            headers=target.headers,
        ) as response:
            body = await response.read()
            latency = (time.perf_counter() - started) * 1000
            if response.status != 200:
                return latency, f"HTTP {response.status}", False
            replies = _json_list(body)
    except asyncio.TimeoutError:
        return (time.perf_counter() - started) * 1000, "timeout", False
    except aiohttp.ClientError as exc:
        return (time.perf_counter() - started) * 1000, type(exc).__name__, False
    if replies is None:
        return latency, "not a JSON list", False
    if not replies:
        return latency, "no reply", False
    text = "\n".join(str(r.get("text") or "") for r in replies if isinstance(r, dict))
    lowered = text.lower()
    for phrase, label in target.refusals:
        if phrase in lowered:
            return latency, label, False
    return latency, None, turn.on_script(text)


def _json_list(body: bytes) -> list | None:
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, list) else None


def _sender(prefix: str, users: int, user: int, conversation: int) -> str:
    # Unique per run, so that a re-run against the same server starts fresh conversations.
    return f"{prefix}-{users}u{user}c{conversation}-{uuid.uuid4().hex[:8]}"


async def run_level(
    target: Target,
    users: int,
    script: Script,
    *,
    min_seconds: float,
    max_seconds: float = 600.0,
    prefix: str = "bench",
) -> LevelResult:
    """``users`` conversations at once, as described in the module's docstring.

    ``max_seconds`` ends the level even when conversations are unfinished (a server
    that slows to a crawl must not hold the whole run).
    """
    result = LevelResult(users=users)
    started = time.monotonic()
    soft_deadline = started + min_seconds
    hard_deadline = started + max_seconds
    connector = aiohttp.TCPConnector(limit=users)
    timeout = aiohttp.ClientTimeout(total=target.timeout_s)

    async def simulate(session: aiohttp.ClientSession, user: int) -> None:
        conversation = 0
        while True:
            sender = _sender(prefix, users, user, conversation)
            # A user's next conversation is another user's script: variety over time.
            for number, turn in enumerate(script(user + conversation * users), start=1):
                now = time.monotonic()
                if now >= hard_deadline or (conversation >= 1 and now >= soft_deadline):
                    return
                latency, error, on_script = await send_turn(session, target, sender, turn)
                result.turns.append(TurnResult(user, number, latency, error, on_script, turn.text))
            conversation += 1
            result.conversations += 1
            if time.monotonic() >= soft_deadline:
                return

    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(simulate(session, user) for user in range(users)))
    result.wall_s = time.monotonic() - started
    return result


async def run_conversation(
    target: Target, turns: Sequence[Turn], *, prefix: str = "bench-long"
) -> list[TurnResult]:
    """One conversation of ``turns``, one message at a time."""
    sender = _sender(prefix, 1, 0, 0)
    results = []
    timeout = aiohttp.ClientTimeout(total=target.timeout_s)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for number, turn in enumerate(turns, start=1):
            latency, error, on_script = await send_turn(session, target, sender, turn)
            results.append(TurnResult(0, number, latency, error, on_script, turn.text))
    return results


def level(target: Target, users: int, script: Script, **options: float | str) -> LevelResult:
    """``run_level`` from synchronous code."""
    return asyncio.run(run_level(target, users, script, **options))  # type: ignore[arg-type]


def conversation(target: Target, turns: Sequence[Turn], **options: str) -> list[TurnResult]:
    """``run_conversation`` from synchronous code."""
    return asyncio.run(run_conversation(target, turns, **options))
