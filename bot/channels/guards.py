"""What every channel does with a user message before Rasa handles it.

One composition for all connectors (REST, socket.io, and later Telegram and WhatsApp),
so none of them can forget a step: the per-sender rate limit, stray slashes read as
text, and emergency guidance during a handoff.
"""

from __future__ import annotations

from bot.channels.limits import OnNewMessage, limit_per_sender
from bot.channels.paused import answer_emergencies_while_paused
from bot.channels.payloads import read_stray_payloads_as_text


def guarded(on_new_message: OnNewMessage) -> OnNewMessage:
    """``on_new_message`` behind the rate limit, payload check and handoff guard."""
    return limit_per_sender(
        read_stray_payloads_as_text(answer_emergencies_while_paused(on_new_message))
    )
