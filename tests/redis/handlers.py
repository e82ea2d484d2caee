"""Outbox handlers of the Redis tests (importable by a worker process: PYTHONPATH holds the repository).

The effect is an audit entry: a plain insert without a unique key, so that counting the entries shows
how often the effect really happened (the outbox, not a constraint, has to keep it to one).
"""

from __future__ import annotations

import os

from redis import Redis

from servicehub.audit.service import record

EFFECT = "test.outbox_effect"
EFFECT_HANDLER = "tests.redis.handlers.effect"
BLOCKING_HANDLER = "tests.redis.handlers.effect_then_block"


def effect(session, tenant_id: int, *, key: str) -> str:
    record(session, tenant_id=tenant_id, action=EFFECT, target_type="test", details={"key": key})
    session.flush()
    return "effect"


def effect_then_block(session, tenant_id: int, *, key: str, redis_url: str, started: str, release: str,
                      timeout: int = 60) -> str:
    """Write the effect (flushed, not committed: the handler's transaction is open), say so in Redis
    with this process's id, then wait until the test releases it."""
    effect(session, tenant_id, key=key)
    connection = Redis.from_url(redis_url)
    try:
        connection.rpush(started, os.getpid())
        if connection.blpop([release], timeout=timeout) is None:
            raise TimeoutError(f"{release} was never released")
    finally:
        connection.close()
    return "released"


FAILING_HANDLER = "tests.redis.handlers.fail"


def fail(session, tenant_id: int, *, why: str) -> str:
    raise RuntimeError(why)
