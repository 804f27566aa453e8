"""The live event channel: in-process and through Redis, and the SSE frames built on it."""

from __future__ import annotations

import asyncio
import json

import pytest

from okno.core import pubsub
from okno.core.sse import event_stream

REDIS_URL = "redis://127.0.0.1:6379/15"


def _redis_available() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


async def _receive_one(topic: str, publish_topic: str, event: dict, wait: float = 3) -> dict | None:
    async with pubsub.subscribe(topic) as events:
        # publish from another thread, as a service committing a transaction would
        await asyncio.get_running_loop().run_in_executor(None, pubsub.publish, publish_topic, event)
        return await events.get(timeout=wait)


@pytest.mark.parametrize(
    "redis_url",
    [
        pytest.param("", id="in-process"),
        pytest.param(
            REDIS_URL,
            id="redis",
            marks=pytest.mark.skipif(not _redis_available(), reason="Redis does not answer"),
        ),
    ],
)
def test_a_subscriber_receives_what_is_published_on_its_topic_only(settings, redis_url):
    settings.REDIS_URL = redis_url
    assert asyncio.run(_receive_one("office:1", "office:1", {"type": "ticket", "n": 1})) == {
        "type": "ticket",
        "n": 1,
    }
    assert asyncio.run(_receive_one("office:1", "office:2", {"type": "ticket"}, 0.3)) is None
    assert pubsub.subscriber_count("office:1") == 0


def test_a_slow_subscriber_loses_the_oldest_events_and_is_told(settings):
    settings.REDIS_URL = ""

    async def scenario() -> list[dict]:
        async with pubsub.subscribe("office:9") as events:
            for n in range(pubsub.QUEUE_SIZE + 5):
                pubsub.publish("office:9", {"type": "ticket", "n": n})
            first = await events.get(timeout=1)
            second = await events.get(timeout=1)
            return [first, second]

    first, second = asyncio.run(scenario())
    assert first == {"type": "overflow"}
    assert second["n"] > 0


def test_the_stream_says_hello_then_relays_events_as_sse(settings):
    settings.REDIS_URL = ""

    async def scenario() -> str:
        response = event_stream("office:5", limit=1, heartbeat=0.05)
        chunks = []
        iterator = response.streaming_content.__aiter__()
        chunks.append(await iterator.__anext__())  # retry
        chunks.append(await iterator.__anext__())  # hello
        pubsub.publish("office:5", {"type": "ticket", "label": "A001"})
        async for chunk in iterator:
            chunks.append(chunk if isinstance(chunk, str) else chunk.decode())
        return "".join(c if isinstance(c, str) else c.decode() for c in chunks)

    text = asyncio.run(scenario())
    assert text.startswith("retry: ")
    assert "event: hello" in text
    ticket_frame = text.split("event: ticket\ndata: ")[1].split("\n\n")[0]
    assert json.loads(ticket_frame) == {"type": "ticket", "label": "A001"}
