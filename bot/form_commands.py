"""Intents that are commands in every form (pre-check, lead form).

A message with one of these is never read as the answer to a form question, even
when its words would fit ("stop" is no name); the form leaves it to the dialogue rules.
"""

from __future__ import annotations

COMMAND_INTENTS = frozenset(
    {
        "stop",
        "restart_precheck",
        "request_human",
        "delete_data",
        "withdraw_consent",
        # A minor, someone else's data, a false claim: answered first, never stored.
        "safeguarding",
    }
)
