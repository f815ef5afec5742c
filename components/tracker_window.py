"""A long conversation's tracker as its state at a checkpoint plus the events after it.

Rasa rebuilds the tracker from every event of the session on each turn, the rule policy
replays it again for every prediction, and every custom action call sends it whole to
the action server: measured on a 500-turn conversation (2,000 events) that is about
240 ms to rebuild, 55 ms per rule prediction and 20 ms per action call, where a first
turn costs a few milliseconds. A turn only needs the conversation's current state (slots,
active form, pause) and its last few turns: the rules look a few turns back at most.

So once more than ``CHECKPOINT_AFTER`` events follow the conversation's checkpoint, the
tracker store moves it: the state after the last ``KEEP_EVENTS`` or so events (cut where
a patient's message begins) is written as a handful of events that recreate it
(``state_events``), and a turn reads those plus the events after the checkpoint. The
events table keeps every event; the console and Rasa's HTTP API still read them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    ConversationPaused,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker

# About 8 turns after a checkpoint, about 20 before it moves: a turn handles 30 to 80
# events however long the conversation. The longest rule looks back 4 turns.
KEEP_EVENTS = 30
CHECKPOINT_AFTER = 80

# The attribute under which a retrieved tracker carries its Window.
WINDOW_ATTRIBUTE = "_stored_window"


@dataclass
class Window:
    """What a retrieved tracker holds: ``prefix`` state events that are not stored as
    such, then stored events whose ids are ``ids`` in order."""

    prefix: int
    ids: List[int] = field(default_factory=list)

    @property
    def stored(self) -> int:
        """How many of the tracker's events are already in the database (or the prefix)."""
        return self.prefix + len(self.ids)


def window_of(tracker: DialogueStateTracker) -> Optional[Window]:
    """The window a tracker was retrieved with, if it came from this store."""
    return tracker.__dict__.get(WINDOW_ATTRIBUTE)


def attach(tracker: DialogueStateTracker, window: Window) -> DialogueStateTracker:
    """Mark ``tracker`` as read through ``window``."""
    tracker.__dict__[WINDOW_ATTRIBUTE] = window
    return tracker


def checkpoint_index(events: Sequence[Event], start: int, keep: int = KEEP_EVENTS) -> Optional[int]:
    """Where to cut ``events``: the index of a patient message that follows a listen,
    at least ``keep`` events before the end and after ``start``; None if there is none."""
    for index in range(len(events) - keep, start, -1):
        before = events[index - 1]
        if (
            isinstance(events[index], UserUttered)
            and isinstance(before, ActionExecuted)
            and before.action_name == ACTION_LISTEN_NAME
        ):
            return index
    return None


def state_events(tracker: DialogueStateTracker) -> List[Event]:
    """Events that give a fresh tracker the state ``tracker`` has now, ending in a listen.

    Dated with the tracker's last event, so that Rasa's session expiry (which looks at
    the last patient message, after the checkpoint) is unaffected.
    """
    timestamp = tracker.events[-1].timestamp if tracker.events else None
    events: List[Event] = [
        ActionExecuted(ACTION_SESSION_START_NAME, timestamp=timestamp),
        SessionStarted(timestamp=timestamp),
    ]
    slots: Dict[str, Slot] = tracker.slots
    for name, slot in slots.items():
        if slot.value != slot.initial_value:
            events.append(SlotSet(name, slot.value, timestamp=timestamp))
    if tracker.active_loop_name:
        events.append(ActiveLoop(tracker.active_loop_name, timestamp=timestamp))
    if tracker.is_paused():
        events.append(ConversationPaused(timestamp=timestamp))
    events.append(ActionExecuted(ACTION_LISTEN_NAME, timestamp=timestamp))
    return events


def checkpoint_state(
    sender_id: str, events: Sequence[Event], cut: int, slots: Any
) -> List[Dict[str, Any]]:
    """The serialised state events for the conversation as it was before ``events[cut]``."""
    replayed = DialogueStateTracker.from_events(sender_id, list(events[:cut]), slots)
    return [event.as_dict() for event in state_events(replayed)]
