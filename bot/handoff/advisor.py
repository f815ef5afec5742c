"""The advisor's command line until the staff console exists.

    python -m bot.handoff.advisor list                         waiting and active handoffs
    python -m bot.handoff.advisor show <conversation>           the transcript
    python -m bot.handoff.advisor claim <conversation>           take it: the assistant pauses
    python -m bot.handoff.advisor reply <conversation> <text>   message the patient in their chat
    python -m bot.handoff.advisor handback <conversation> [--note TEXT]

A handoff waits (the assistant keeps answering) until an advisor claims it or replies:
then it is live, the assistant pauses and the patient is told that a person has joined.
Claims, replies and the hand-back go through Rasa's HTTP API (RASA_API_TOKEN), which
appends the events and delivers the messages on the patient's channel.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import select

from bot.content import text
from bot.handoff.delivery_window import OUTSIDE_WINDOW, last_user_message, outside_window
from bot.handoff.queue import (
    HANDOFF_CHANNEL_SLOT,
    HANDOFF_OPEN_SLOT,
    WAITING,
    close_handoff,
    current_handoff,
    open_handoffs,
    take_handoff,
)
from bot.settings import Settings, load_settings
from bot.store.db import session_scope
from bot.store.models import Handoff, Lead

HANDED_BACK = "utter_handed_back"
ADVISOR_JOINED = "utter_advisor_joined"
# Metadata keys of the bot events an advisor's actions append; the channels read them.
ADVISOR_METADATA = "advisor"
HANDOFF_METADATA = "handoff"


class AdvisorError(RuntimeError):
    """Something the advisor should read (no stack trace)."""


def _path_id(conversation_id: str) -> str:
    """The conversation id in a Rasa API path.

    Rasa's routes do not unquote their parameters: "%2B41..." would name another,
    empty conversation than WhatsApp's "+41...". A "+" is literal in a path, so it stays.
    """
    return urllib.parse.quote(conversation_id, safe="+")


class RasaApi:
    """The few calls of Rasa's HTTP API the advisor needs."""

    def __init__(self, settings: Settings) -> None:
        if not settings.rasa_api_token:
            raise AdvisorError("RASA_API_TOKEN is not set: Rasa's HTTP API is off")
        self.base = settings.rasa_url
        self.token = settings.rasa_api_token

    def _call(self, method: str, path: str, body: Any = None, **params: str) -> Any:
        query = urllib.parse.urlencode({"token": self.token, **params})
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.base}{path}?{query}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            raise AdvisorError(f"Rasa answered {exc.code} for {path}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise AdvisorError(f"cannot reach Rasa at {self.base}: {type(exc).__name__}") from None

    def tracker(self, conversation_id: str) -> dict[str, Any]:
        path = f"/conversations/{_path_id(conversation_id)}/tracker"
        return self._call("GET", path, include_events="ALL")

    def append(self, conversation_id: str, events: list[dict[str, Any]]) -> dict[str, Any]:
        """Append events; bot messages are delivered on the patient's latest channel."""
        path = f"/conversations/{_path_id(conversation_id)}/tracker/events"
        return self._call(
            "POST", path, events, output_channel="latest", execute_side_effects="true"
        )


def transcript(tracker: dict[str, Any]) -> list[str]:
    """Readable lines: time, who, text."""
    lines = []
    for event in tracker.get("events") or []:
        kind = event.get("event")
        if kind not in ("user", "bot", "pause", "resume"):
            continue
        stamp = datetime.fromtimestamp(event.get("timestamp") or 0, tz=timezone.utc)
        who = {"user": "patient", "bot": "assistant", "pause": "--", "resume": "--"}[kind]
        advisor = (event.get("metadata") or {}).get(ADVISOR_METADATA)
        if (
            kind == "bot"
            and advisor
            and (event.get("metadata") or {}).get(HANDOFF_METADATA) is None
        ):
            who = f"advisor {advisor}"
        text = event.get("text") or {
            "pause": "(handed to an advisor)",
            "resume": "(handed back)",
        }.get(kind, "")
        lines.append(f"{stamp:%Y-%m-%d %H:%M} {who}: {text}")
    return lines


def list_handoffs(settings: Settings) -> list[str]:
    """One line per waiting or active handoff, with the lead's name and warmth."""
    handoffs = open_handoffs(settings.database_url)
    with session_scope(settings.database_url) as session:
        leads = {
            lead.conversation_id: f"{lead.name} ({lead.warmth})"
            for lead in session.execute(
                select(Lead).where(Lead.conversation_id.in_([h.conversation_id for h in handoffs]))
            ).scalars()
        }
    return [
        f"{handoff.conversation_id}  {handoff.status:7}  since {handoff.created_at:%Y-%m-%d %H:%M}"
        f"  {handoff.channel or '-'}  {leads.get(handoff.conversation_id, 'no lead')}"
        for handoff in handoffs
    ]


def _taking_events(handoff: Handoff, advisor: str) -> list[dict[str, Any]]:
    """Events that make the conversation live: the assistant pauses, and the patient is
    told (once) that a person has joined. Pausing a paused conversation changes nothing,
    so the pause is always sent: the tracker then agrees with the table.

    The metadata lets a channel show who joined (the widget's header); channels that
    cannot show it still send the text."""
    events: list[dict[str, Any]] = [{"event": "pause"}]
    if handoff.status == WAITING:
        events.append(
            {
                "event": "bot",
                "text": text(ADVISOR_JOINED),
                "metadata": {HANDOFF_METADATA: "joined", ADVISOR_METADATA: advisor},
            }
        )
    return events


def _open_handoff_of(
    settings: Settings, conversation_id: str, missing: str = "is not waiting for an advisor"
) -> Handoff:
    handoff = current_handoff(settings.database_url, conversation_id)
    if handoff is None:
        raise AdvisorError(f"{conversation_id} {missing}")
    return handoff


def claim(settings: Settings, conversation_id: str, advisor: str) -> None:
    """Take the conversation without writing yet: the assistant stops answering."""
    handoff = _open_handoff_of(settings, conversation_id)
    RasaApi(settings).append(conversation_id, _taking_events(handoff, advisor))
    take_handoff(settings.database_url, conversation_id, advisor)


def reply(settings: Settings, conversation_id: str, message: str, advisor: str) -> None:
    """Send ``message`` to the patient as the advisor (taking the conversation first)."""
    if not message.strip():
        raise AdvisorError("an empty reply was not sent")
    handoff = _open_handoff_of(settings, conversation_id)
    api = RasaApi(settings)
    # Refused here, with the reason, rather than sent and silently dropped by WhatsApp.
    channel, last_message_at = last_user_message(api.tracker(conversation_id).get("events") or [])
    if outside_window(channel, last_message_at, time.time()):
        raise AdvisorError(OUTSIDE_WINDOW)
    api.append(
        conversation_id,
        [
            *_taking_events(handoff, advisor),
            {"event": "bot", "text": message, "metadata": {ADVISOR_METADATA: advisor}},
        ],
    )
    take_handoff(settings.database_url, conversation_id, advisor)


def handback(settings: Settings, conversation_id: str, note: str) -> None:
    """Resume the assistant, tell the patient, close the handoff with ``note``."""
    _open_handoff_of(settings, conversation_id, missing="is not handed off")
    # The listen marks the turn as over: without it, the policies would not see the
    # patient's next message as a new turn and would answer nothing (rasa#8119).
    RasaApi(settings).append(
        conversation_id,
        [
            {"event": "resume"},
            {"event": "slot", "name": HANDOFF_OPEN_SLOT, "value": None},
            {"event": "slot", "name": HANDOFF_CHANNEL_SLOT, "value": None},
            {"event": "bot", "text": text(HANDED_BACK), "metadata": {HANDOFF_METADATA: "ended"}},
            {"event": "action", "name": "action_listen"},
        ],
    )
    close_handoff(settings.database_url, conversation_id, note)


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module docstring)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list")
    show = commands.add_parser("show")
    show.add_argument("conversation")
    take = commands.add_parser("claim")
    take.add_argument("conversation")
    take.add_argument("--advisor", default="advisor")
    send = commands.add_parser("reply")
    send.add_argument("conversation")
    send.add_argument("text")
    send.add_argument("--advisor", default="advisor")
    back = commands.add_parser("handback")
    back.add_argument("conversation")
    back.add_argument("--note", default="")
    args = parser.parse_args(argv)
    settings = load_settings()
    try:
        if args.command == "list":
            lines = list_handoffs(settings)
            print("\n".join(lines) if lines else "no conversation is waiting for an advisor")
        elif args.command == "show":
            print("\n".join(transcript(RasaApi(settings).tracker(args.conversation))))
        elif args.command == "claim":
            claim(settings, args.conversation, args.advisor)
            print("claimed: the assistant is paused in this conversation")
        elif args.command == "reply":
            reply(settings, args.conversation, args.text, args.advisor)
            print("sent")
        else:
            handback(settings, args.conversation, args.note)
            print("handed back to the assistant")
    except (AdvisorError, LookupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
