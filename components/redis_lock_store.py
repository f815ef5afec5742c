"""Rasa's Redis lock store, with each change of a conversation's ticket lock atomic.

Rasa serialises the turns of one conversation with a ticket lock (``TicketLock``): a
message takes a ticket, waits until it is served, and removes its ticket when done.
``RedisLockStore`` keeps the lock as one JSON value and changes it by reading it,
changing it in Python and writing it back, in separate commands. With one Rasa server
that is safe (the steps never yield to the event loop); with several sharing Redis,
two servers can read the same lock at once and one write undoes the other: both take
the same ticket number and run the turn side by side (the second save loses events),
or a finished turn deletes the lock under a waiting one, which then fails with
``LockError`` (the message is lost). Rasa Open Source has no fix (rasa#11256 added
a concurrent lock store to Rasa Pro only).

Here every read-change-write runs as a Redis transaction: WATCH the key, read,
MULTI/EXEC the write; redis-py repeats it when another server changed the key in
between. The lock's format and keys are Rasa's own.

Configured by the scale-out stack's endpoints (``bot.processes.scaled``)::

    lock_store:
      type: components.redis_lock_store.AtomicRedisLockStore
      url: ${REDIS_URL}            # redis://[user:password@]host:port/db
      key_prefix: ${REDIS_KEY_PREFIX}
"""

from __future__ import annotations

import json
import logging
from typing import Any, Callable, Optional, Text, Tuple
from urllib.parse import unquote, urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

# A change: the lock as stored (None: there is none) -> the lock to store (None:
# delete it) and what the caller gets back.
Change = Callable[[Optional[TicketLock]], Tuple[Optional[TicketLock], Any]]


def redis_connection_kwargs(url: str) -> dict[str, Any]:
    """``RedisLockStore``'s keyword arguments for a ``redis://`` or ``rediss://`` URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ValueError("the lock store's url must be redis://host:port/db")
    path = parts.path.strip("/")
    return {
        "host": parts.hostname,
        "port": parts.port or 6379,
        "db": int(path) if path else 0,
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "use_ssl": parts.scheme == "rediss",
    }


class AtomicRedisLockStore(RedisLockStore):
    """``RedisLockStore`` whose ticket operations are Redis transactions."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # Rasa builds lock stores named by module path from their endpoint config.
        kwargs = redis_connection_kwargs(str(endpoint_config.url or ""))
        prefix = endpoint_config.kwargs.get("key_prefix")
        super().__init__(key_prefix=str(prefix) if prefix else None, **kwargs)

    def _change(self, conversation_id: Text, change: Change) -> Any:
        key = self.key_prefix + conversation_id
        result: list[Any] = []

        def transaction(pipe: Any) -> None:
            raw = pipe.get(key)
            lock = TicketLock.from_dict(json.loads(raw)) if raw else None
            new_lock, value = change(lock)
            pipe.multi()
            if new_lock is None:
                pipe.delete(key)
            else:
                pipe.set(key, new_lock.dumps())
            # Only the last run counts: an earlier one was retried after a conflict.
            result[:] = [value]

        self.red.transaction(transaction, key)
        return result[0]

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """A new ticket for the conversation's lock (created if there is none)."""

        def take(lock: Optional[TicketLock]) -> Tuple[TicketLock, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._change(conversation_id, take)
        except Exception as exc:
            # Rasa's own contract: a failure to take a ticket is a LockError.
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

    def update_lock(self, conversation_id: Text) -> None:
        """Drop the conversation's expired tickets."""

        def prune(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._change(conversation_id, prune)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        """Remove a served ticket, keeping the lock."""

        def finish(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change(conversation_id, finish)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Remove a served ticket, and the lock with it when nobody else waits.

        One transaction: between Rasa's separate "remove", "anyone waiting?" and
        "delete", another server's new ticket would be deleted with the lock.
        """

        def finish(lock: Optional[TicketLock]) -> Tuple[Optional[TicketLock], None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._change(conversation_id, finish)
