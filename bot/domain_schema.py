"""The domain's intents and slots, as code outside Rasa's dialogue needs them.

The channels use them to tell a button payload (``/intent`` or ``/intent{"slot": ...}``)
from text a user typed after a slash.
"""

from __future__ import annotations

from functools import lru_cache

import yaml

from bot.content import DOMAIN_FILE

# Intents Rasa itself knows without the domain listing them (rasa.shared.core.constants).
RASA_DEFAULT_INTENTS = frozenset({"restart", "back", "session_start"})


@lru_cache(maxsize=1)
def _domain() -> dict:
    return yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8")) or {}


def known_intents() -> frozenset[str]:
    """Every intent a payload may name."""
    listed = [i if isinstance(i, str) else next(iter(i)) for i in _domain().get("intents", [])]
    return frozenset(listed) | RASA_DEFAULT_INTENTS


def known_slots() -> frozenset[str]:
    """Every slot a payload may set."""
    return frozenset(_domain().get("slots") or {})
