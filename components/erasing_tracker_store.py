"""Rasa's SQL tracker store, extended so that "delete my data" reaches the events, and
so that the console's conversation summary follows every saved turn.

Erasing rows behind Rasa's back does not work: the server holds the conversation in
memory during a turn and, when it saves, writes back every event it does not find in
the database, history included. So the erasure happens here, in the save of the turn
in which ``action_erase_data`` recorded it (``bot.privacy.erasure``).

Configured in endpoints.yml as ``type: components.erasing_tracker_store.ErasingSQLTrackerStore``.
"""

from __future__ import annotations

import json
import logging
from typing import Any, List

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.orm import Session

from bot.privacy.erasure import mark_events_erased, pending_event_erasure
from bot.store import sqlite_tuning
from bot.store.db import engine_for
from bot.store.summaries import update_summary

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
        # engine, but pre-pinging: a dropped connection is replaced before use.
        self.engine.dispose()
        self.engine = sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))
        sqlite_tuning.tune(self.engine)
        self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        # The erasure records live in the project's tables, in the same database.
        # engine_for migrates them once per process (the channels use it too).
        engine_for(url)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Save the turn; first remove the conversation's events if erasure is due."""
        with self.session_scope() as session:
            if pending_event_erasure(session, tracker.sender_id) is None:
                erase = False
            else:
                erase = True
                removed = (
                    session.query(self.SQLEvent)
                    .filter(self.SQLEvent.sender_id == tracker.sender_id)
                    .delete(synchronize_session=False)
                )
                for event in events_after_erasure(list(tracker.events)):
                    self._add(session, tracker.sender_id, event)
                mark_events_erased(session, tracker.sender_id)
                session.commit()
                # A count only: the sender id links to a person.
                logger.info("erased a conversation: %d events removed", removed)
        if not erase:
            await super().save(tracker)
        self._summarise(tracker.sender_id)

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

    def _add(self, session: Any, sender_id: str, event: Event) -> None:
        data = event.as_dict()
        session.add(
            self.SQLEvent(
                sender_id=sender_id,
                type_name=event.type_name,
                timestamp=data.get("timestamp"),
                intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                action_name=data.get("name"),
                data=json.dumps(data),
            )
        )
