"""Live events: services publish after commit, async views subscribe (Redis, or in-process).

With `REDIS_URL` set, events go through Redis pub/sub, so every app server process sees every
event; each process holds one Redis connection per event loop and fans events out to its local
subscribers. Without Redis, the channel lives in this process only (the embedded single-process
set-up). Events are small JSON objects; a subscriber that falls behind loses the oldest events
and is told so (`{"type": "overflow"}`), so a page can fetch a fresh snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
from collections.abc import AsyncIterator
from typing import Any

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

CHANNEL_PREFIX = "okno:events:"
QUEUE_SIZE = 256

Event = dict[str, Any]


def publish(topic: str, event: Event) -> None:
    """Send `event` to everyone subscribed to `topic` now (use `publish_on_commit` in services)."""
    url = _redis_url()
    if url:
        try:
            _sync_redis(url).publish(CHANNEL_PREFIX + topic, json.dumps(event, default=str))
        except Exception:  # the write has happened; a lost live event must not undo it
            logger.warning("could not publish a live event to Redis", exc_info=True)
        return
    _hub.dispatch(topic, event)


def publish_on_commit(topic: str, event: Event) -> None:
    """Publish once the surrounding transaction commits (right away outside a transaction)."""
    transaction.on_commit(lambda: publish(topic, event))


@contextlib.asynccontextmanager
async def subscribe(*topics: str) -> AsyncIterator[Subscription]:
    """`async with subscribe("office:3") as events: event = await events.get(timeout=15)`."""
    subscription = Subscription(asyncio.get_running_loop(), topics)
    _hub.add(subscription)
    try:
        url = _redis_url()
        if url:
            await _hub.ensure_redis_listener(url)
        yield subscription
    finally:
        _hub.remove(subscription)


class Subscription:
    """One subscriber's buffer of events, filled from any thread, read in its event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, topics: tuple[str, ...]) -> None:
        self.loop = loop
        self.topics = topics
        self._queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=QUEUE_SIZE)

    async def get(self, timeout: float | None = None) -> Event | None:
        """The next event, or None when `timeout` seconds pass without one."""
        try:
            return await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            return None

    def offer(self, event: Event) -> None:
        """Queue an event (call in the subscriber's loop); a full buffer drops its oldest."""
        if self._queue.full():
            while not self._queue.empty():
                self._queue.get_nowait()
            self._queue.put_nowait({"type": "overflow"})
        self._queue.put_nowait(event)


class _Hub:
    """This process's subscribers by topic, and one Redis listener per event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[Subscription]] = {}
        # Per event loop: the Redis listener task, and a future done once Redis has confirmed it.
        self._listeners: dict[
            asyncio.AbstractEventLoop, tuple[asyncio.Task[None], asyncio.Future[None]]
        ] = {}

    def add(self, subscription: Subscription) -> None:
        with self._lock:
            for topic in subscription.topics:
                self._subscribers.setdefault(topic, set()).add(subscription)

    def remove(self, subscription: Subscription) -> None:
        with self._lock:
            for topic in subscription.topics:
                subscribers = self._subscribers.get(topic)
                if subscribers is not None:
                    subscribers.discard(subscription)
                    if not subscribers:
                        del self._subscribers[topic]

    def subscriber_count(self, topic: str | None = None) -> int:
        with self._lock:
            if topic is not None:
                return len(self._subscribers.get(topic, ()))
            return len({s for subs in self._subscribers.values() for s in subs})

    def dispatch(self, topic: str, event: Event, *, loop: asyncio.AbstractEventLoop | None = None):
        """Hand `event` to the subscribers of `topic` (only those in `loop`, when given)."""
        with self._lock:
            subscribers = list(self._subscribers.get(topic, ()))
        for subscription in subscribers:
            if loop is not None and subscription.loop is not loop:
                continue
            if subscription.loop.is_closed():
                self.remove(subscription)
                continue
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is subscription.loop:
                subscription.offer(event)
            else:
                subscription.loop.call_soon_threadsafe(subscription.offer, event)

    async def ensure_redis_listener(self, url: str) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            for old_loop in [known for known in self._listeners if known.is_closed()]:
                del self._listeners[old_loop]
            listener = self._listeners.get(loop)
            if listener is None or listener[0].done():
                ready = loop.create_future()
                listener = (loop.create_task(self._listen(url, loop, ready)), ready)
                self._listeners[loop] = listener
        # Every subscriber waits for the confirmation, not only the one that started the
        # listener: one that joins while it connects would otherwise miss the next events.
        await asyncio.wait_for(asyncio.shield(listener[1]), timeout=5)

    async def _listen(
        self, url: str, loop: asyncio.AbstractEventLoop, ready: asyncio.Future[None]
    ) -> None:
        import redis.asyncio as redis_async

        delay = 0.5
        while True:
            client = redis_async.Redis.from_url(url)
            try:
                pubsub = client.pubsub()
                await pubsub.psubscribe(CHANNEL_PREFIX + "*")
                async for message in pubsub.listen():
                    if message.get("type") == "psubscribe":
                        # Confirmed by Redis (sending the command is not enough): from here
                        # on, every event published anywhere reaches this process.
                        if not ready.done():
                            ready.set_result(None)
                        delay = 0.5
                        continue
                    if message.get("type") != "pmessage":
                        continue
                    topic = _text(message["channel"]).removeprefix(CHANNEL_PREFIX)
                    try:
                        event = json.loads(message["data"])
                    except (TypeError, ValueError):
                        continue
                    self.dispatch(topic, event, loop=loop)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("the Redis event listener lost its connection", exc_info=True)
                if not ready.done():
                    ready.set_result(None)  # subscribers wait for events, not for Redis
                # Tell subscribers that events may have been missed, so they refresh.
                with self._lock:
                    topics = list(self._subscribers)
                for topic in topics:
                    self.dispatch(topic, {"type": "overflow"}, loop=loop)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10)
            finally:
                with contextlib.suppress(Exception):
                    await client.aclose()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _redis_url() -> str:
    return getattr(settings, "REDIS_URL", "") or ""


_sync_clients: dict[str, Any] = {}


def _sync_redis(url: str) -> Any:
    client = _sync_clients.get(url)
    if client is None:
        import redis

        client = _sync_clients[url] = redis.Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=2
        )
    return client


_hub = _Hub()
subscriber_count = _hub.subscriber_count
