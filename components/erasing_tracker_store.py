"""Rasa's SQL tracker store, extended so that "delete my data" reaches the events, and
so that the console's conversation summary follows every saved turn.

Erasing rows behind Rasa's back does not work: the server holds the conversation in
memory during a turn and, when it saves, writes back every event it does not find in
the database, history included. So the erasure happens here, in the save of the turn
in which ``action_erase_data`` recorded it (``bot.privacy.erasure``).

A long conversation is read from its checkpoint (``components.tracker_window``): the
state at a recent event plus the events after it, so a turn's cost does not grow with
the conversation. Every event is still stored.

Configured in endpoints.yml as ``type: components.erasing_tracker_store.ErasingSQLTrackerStore``.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional, Tuple

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.orm import Session

from bot.privacy.erasure import mark_events_erased, pending_event_erasure
from bot.store import sqlite_tuning
from bot.store.db import engine_for
from bot.store.models import TrackerCheckpoint
from bot.store.summaries import update_summary
from components.tracker_window import (
    CHECKPOINT_AFTER,
    WINDOW_ATTRIBUTE,
    Window,
    attach,
    checkpoint_index,
    checkpoint_state,
    window_of,
)

logger = logging.getLogger(__name__)

ERASE_ACTION = "action_erase_data"


def events_after_erasure(events: List[Event]) -> List[Event]:
    """The turn's events that follow the erasure action (its confirmation): kept."""
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if isinstance(event, ActionExecuted) and event.action_name == ERASE_ACTION:
            return list(events[index + 1 :])
    return []


class ErasingSQLTrackerStore(SQLTrackerStore):
    """An ``SQLTrackerStore`` that carries out recorded erasures on save."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        url = self.engine.url.render_as_string(hide_password=False)
        # Rasa's engine keeps pooled connections without checking them: after a
        # database restart the next turn's retrieve fails and Rasa answers from an
        # empty in-memory tracker, losing that turn's events (rasa#4284). The same
        # engine, but pre-pinging: a dropped connection is replaced before use. A
        # SQLite file gets a pool of connections in WAL mode instead (sqlite_tuning).
        self.engine.dispose()
        self.engine = sa.create_engine(
            url, **create_engine_kwargs(url), **sqlite_tuning.engine_options(url)
        )
        sqlite_tuning.tune(self.engine)
        self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        # The erasure records live in the project's tables, in the same database.
        # engine_for migrates them once per process (the channels use it too).
        engine_for(url)

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The conversation's tracker: from its checkpoint when it has one, else from the
        start of its session (Rasa's own query)."""
        with self.session_scope() as session:
            loaded = self._from_checkpoint(session, sender_id)
            if loaded is None:
                rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
                loaded = ([], rows)
            prefix, rows = loaded
            if not self.domain or not (prefix or rows):
                return None
            events = prefix + [json.loads(row.data) for row in rows]
            tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
            return attach(tracker, Window(prefix=len(prefix), ids=[row.id for row in rows]))

    def _from_checkpoint(
        self, session: Session, sender_id: str
    ) -> Optional[Tuple[List[Dict[str, Any]], List[Any]]]:
        """The checkpoint's state events and the rows after it; None when there is no
        usable checkpoint (none yet, or a new session began after it)."""
        checkpoint = session.get(TrackerCheckpoint, sender_id)
        if checkpoint is None:
            return None
        anchor = session.get(self.SQLEvent, checkpoint.event_id)
        if anchor is None or anchor.sender_id != sender_id:
            # Its event is gone (erased or expired): never rebuild state from it.
            return None
        rows = (
            session.query(self.SQLEvent)
            .filter(self.SQLEvent.sender_id == sender_id, self.SQLEvent.id > checkpoint.event_id)
            .order_by(self.SQLEvent.id)
            .all()
        )
        if any(row.type_name == SessionStarted.type_name for row in rows):
            return None
        return list(checkpoint.events), rows

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Save the turn; first remove the conversation's events if erasure is due."""
        window = window_of(tracker)
        if window is not None:
            await self.stream_events(tracker)
        with self.session_scope() as session:
            if pending_event_erasure(session, tracker.sender_id) is None:
                erase = False
                if window is not None:
                    self._save_window(session, tracker, window)
            else:
                erase = True
                removed = (
                    session.query(self.SQLEvent)
                    .filter(self.SQLEvent.sender_id == tracker.sender_id)
                    .delete(synchronize_session=False)
                )
                for event in events_after_erasure(list(tracker.events)):
                    self._add(session, tracker.sender_id, event)
                session.query(TrackerCheckpoint).filter(
                    TrackerCheckpoint.conversation_id == tracker.sender_id
                ).delete(synchronize_session=False)
                mark_events_erased(session, tracker.sender_id)
                session.commit()
                tracker.__dict__.pop(WINDOW_ATTRIBUTE, None)
                # A count only: the sender id links to a person.
                logger.info("erased a conversation: %d events removed", removed)
        if not erase and window is None:
            # A tracker this store did not read (Rasa's API replacing events): Rasa's way.
            await super().save(tracker)
        self._summarise(tracker.sender_id)

    def _save_window(self, session: Any, tracker: DialogueStateTracker, window: Window) -> None:
        """Store the events added since the tracker was read, and move the checkpoint
        when enough have followed it; one transaction."""
        events = list(tracker.events)
        new = [self._add(session, tracker.sender_id, event) for event in events[window.stored :]]
        session.flush()
        window.ids.extend(row.id for row in new)
        if len(events) - window.prefix > CHECKPOINT_AFTER:
            cut = checkpoint_index(events, start=window.prefix)
            if cut is not None:
                self._move_checkpoint(session, tracker, events, cut, window)
        session.commit()

    def _move_checkpoint(
        self,
        session: Any,
        tracker: DialogueStateTracker,
        events: List[Event],
        cut: int,
        window: Window,
    ) -> None:
        state = checkpoint_state(tracker.sender_id, events, cut, self.domain.slots)
        checkpoint = session.get(TrackerCheckpoint, tracker.sender_id) or TrackerCheckpoint(
            conversation_id=tracker.sender_id
        )
        # The last stored event the state includes.
        checkpoint.event_id = window.ids[cut - window.prefix - 1]
        checkpoint.events = state
        checkpoint.last_message_at = datetime.now(timezone.utc)
        session.add(checkpoint)

    def _summarise(self, sender_id: str) -> None:
        """Bring the console's summary of the conversation up to date.

        After the turn is committed, in a transaction of its own: a failure here never
        loses the turn, and the next save reads the events this one missed.
        """
        # A session of our own: Rasa's session_scope() ends the whole server
        # (sys.exit) on any database error.
        try:
            with Session(self.engine, future=True) as session:
                update_summary(session, sender_id)
                session.commit()
        except Exception as exc:  # noqa: BLE001 - the turn is saved; the summary catches up
            # The type only: the message may quote the patient's text.
            logger.error("summarising a conversation failed: %s", type(exc).__name__)

    def _add(self, session: Any, sender_id: str, event: Event) -> Any:
        data = event.as_dict()
        row = self.SQLEvent(
            sender_id=sender_id,
            type_name=event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            action_name=data.get("name"),
            data=json.dumps(data),
        )
        session.add(row)
        return row
