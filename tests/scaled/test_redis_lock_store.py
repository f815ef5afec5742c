"""Rasa's conversation lock shared in Redis by several servers
(``components.redis_lock_store``): one conversation's turns never overlap and none is
lost, however the servers' ticket changes interleave.

Three threads stand for three servers (each its own lock store and Redis connection)
and take the locks of five conversations 40 times each, all at once. Rasa's own
``RedisLockStore`` fails this (its read-change-write lets two holders in at once, or
deletes a lock someone still waits on: ``LockError``).
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections import Counter
from collections.abc import Iterator

import pytest
import redis
from rasa.core.lock_store import LockError
from rasa.utils.endpoints import EndpointConfig

from components.redis_lock_store import AtomicRedisLockStore, redis_connection_kwargs
from tests.scaled.conftest import REDIS


@pytest.fixture
def prefix() -> Iterator[str]:
    prefix = f"rascaledlock{uuid.uuid4().hex[:8]}"
    yield prefix
    client = redis.Redis.from_url(REDIS)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


def _store(prefix: str) -> AtomicRedisLockStore:
    return AtomicRedisLockStore(EndpointConfig(url=REDIS, key_prefix=prefix))


def test_servers_sharing_redis_never_hold_one_conversations_lock_together(prefix: str) -> None:
    conversations = [f"conv-{n}" for n in range(5)]
    holders: Counter[str] = Counter()
    overlaps: list[str] = []
    failures: list[BaseException] = []
    served: Counter[str] = Counter()
    guard = threading.Lock()

    async def turn(store: AtomicRedisLockStore, conversation: str) -> None:
        async with store.lock(conversation, wait_time_in_seconds=0.01):
            with guard:
                holders[conversation] += 1
                if holders[conversation] > 1:
                    overlaps.append(conversation)
            await asyncio.sleep(0.003)
            with guard:
                holders[conversation] -= 1
                served[conversation] += 1

    async def server(store: AtomicRedisLockStore) -> None:
        for _ in range(40):
            results = await asyncio.gather(
                *(turn(store, c) for c in conversations), return_exceptions=True
            )
            failures.extend(r for r in results if isinstance(r, BaseException))

    threads = [
        threading.Thread(target=lambda: asyncio.run(server(_store(prefix)))) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == [] and overlaps == []
    assert served == {c: 3 * 40 for c in conversations}
    # Done: no lock is left behind.
    assert all(_store(prefix).get_lock(c) is None for c in conversations)


def test_the_lock_keys_carry_the_prefix(prefix: str) -> None:
    store = _store(prefix)
    store.issue_ticket("conv-x")
    keys = [key.decode() for key in redis.Redis.from_url(REDIS).scan_iter(match=f"{prefix}*")]
    assert keys == [f"{prefix}:lock:conv-x"]


def test_redis_urls_become_the_stores_connection() -> None:
    assert redis_connection_kwargs("rediss://app:s%40cret@cache.internal:6380/3") == {
        "host": "cache.internal",
        "port": 6380,
        "db": 3,
        "username": "app",
        "password": "s@cret",
        "use_ssl": True,
    }
    assert redis_connection_kwargs("redis://127.0.0.1")["db"] == 0
    with pytest.raises(ValueError):
        redis_connection_kwargs("http://127.0.0.1:6379/0")


def test_a_lock_error_is_rasas_own(prefix: str) -> None:
    store = AtomicRedisLockStore(EndpointConfig(url="redis://127.0.0.1:1/0", key_prefix=prefix))
    with pytest.raises(LockError):
        store.issue_ticket("conv-y")
