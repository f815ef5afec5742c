"""A reviewed conversation as a Rasa test story (YAML) for ``tests/stories``.

What ``rasa test`` can replay: the patient's messages with their intent (retrieval
intents by their full ``faq/<topic>`` name, rasa#9668) and text, the assistant's
actions, slots and form activations, in order. Left out, as Rasa's own story export
does: listens, session starts, bot texts. Also left out: what the patient wrote while
an advisor had the conversation (the assistant was paused, so there is nothing to
predict). Personal details are masked: emails, phone numbers and names in the texts,
and the values of contact slots.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import Any

import yaml

from bot.console.corrections import NAME_MASK, mask_text
from bot.parse_data import faq_key
from bot.store.summaries import FAQ_INTENT

SKIPPED_ACTIONS = frozenset({"action_listen", "action_session_start", "action_unlikely_intent"})
# Slots whose values identify the patient: the story keeps that they were set.
PERSONAL_SLOTS = {
    "lead_name": NAME_MASK,
    "lead_contact": "[contact]",
    "lead_email": "[email]",
    "lead_phone": "[phone]",
}
_PAYLOAD = re.compile(r"^/\w")


def story_name(conversation_id: str) -> str:
    """A name that does not show the conversation id (a phone number on WhatsApp)."""
    return "reviewed conversation " + hashlib.sha256(conversation_id.encode()).hexdigest()[:10]


def file_name(conversation_id: str) -> str:
    # Rasa accepts full retrieval intents only in files named test_*.
    return f"test_{story_name(conversation_id).replace(' ', '_')}.yml"


def _scalar(value: Any) -> str:
    """A YAML flow scalar (quoted as needed) on one line."""
    dumped = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000)
    return dumped.removesuffix("\n...\n").strip()


def _literal_ok(text: str) -> bool:
    return (
        text == text.strip()
        and text.isprintable()
        and not any(line != line.rstrip() for line in text.split("\n"))
    )


def steps(events: Iterable[dict[str, Any]], known_names: Iterable[str] = ()) -> list[str]:
    """The story's steps as YAML lines (each at the steps' indentation)."""
    names = list(known_names)
    lines: list[str] = []
    paused = False
    skipped = 0
    for event in events:
        kind = event.get("event")
        if kind == "pause":
            paused = True
            continue
        if kind == "resume":
            if skipped:
                lines.append(f"# {skipped} message(s) to the advisor left out (assistant paused)")
            paused, skipped = False, 0
            continue
        if kind == "user":
            if paused:
                skipped += 1
                continue
            lines += _user_step(event, names)
        elif kind == "action":
            name = event.get("name")
            if name and name not in SKIPPED_ACTIONS and not paused:
                lines.append(f"- action: {_scalar(name)}")
        elif kind == "slot":
            name = event.get("name")
            if not name:
                continue
            value = event.get("value")
            if name in PERSONAL_SLOTS and value is not None:
                value = PERSONAL_SLOTS[name]
            lines.append("- slot_was_set:")
            lines.append(f"  - {_scalar(name)}: {_scalar(value)}")
        elif kind == "active_loop":
            lines.append(f"- active_loop: {_scalar(event.get('name'))}")
    if paused and skipped:
        lines.append(f"# {skipped} message(s) to the advisor left out (assistant paused)")
    return lines


def _user_step(event: dict[str, Any], names: list[str]) -> list[str]:
    parse_data = event.get("parse_data") or {}
    intent = (parse_data.get("intent") or {}).get("name")
    if not intent:
        return []
    if intent == FAQ_INTENT:
        intent = faq_key(parse_data) or intent
    text = (event.get("text") or "").strip()
    lines: list[str] = []
    if text and not _PAYLOAD.match(text):
        # A button's payload ("/start_precheck") is no text to test the NLU with.
        masked = mask_text(text, names)
        if _literal_ok(masked):
            lines.append("- user: |")
            lines += [f"    {line}" for line in masked.split("\n")]
            lines.append(f"  intent: {_scalar(intent)}")
            return lines
        lines.append(f"- user: {_scalar(masked)}")
        lines.append(f"  intent: {_scalar(intent)}")
        return lines
    return [f"- intent: {_scalar(intent)}"]


def as_test_story(
    conversation_id: str, events: Iterable[dict[str, Any]], known_names: Iterable[str] = ()
) -> str:
    """The YAML file: one story, the conversation's steps."""
    body = steps(events, known_names)
    header = [
        "# A conversation reviewed in the staff console, as a Rasa test story.",
        "# Check the steps, then add it to tests/stories/ (rasa test core runs it).",
        'version: "3.1"',
        "stories:",
        f"- story: {_scalar(story_name(conversation_id))}",
        "  steps:",
    ]
    return "\n".join(header + [f"  {line}" for line in body]) + "\n"
