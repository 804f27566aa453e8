"""Server-Sent Events responses fed by the pub/sub channel (boards, consoles, monitors, tickets).

A stream starts with `retry:` (how soon the browser reconnects) and a `hello` event, so a page
that reconnects after a network cut knows to refresh what it shows; then every event published
on the subscribed topics, as `event: <type>` with the JSON in `data:`; a comment line every
`heartbeat` seconds keeps proxies from closing an idle connection and lets the server notice a
client that has gone.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable

from django.http import StreamingHttpResponse

from okno.core.pubsub import Event, subscribe

HEARTBEAT_SECONDS = 15.0
RETRY_MILLISECONDS = 2000


def event_stream(
    *topics: str,
    heartbeat: float = HEARTBEAT_SECONDS,
    accept: Callable[[Event], bool] | None = None,
    limit: int | None = None,
) -> StreamingHttpResponse:
    """A streaming response of the events on `topics` (`accept` filters; `limit` ends the
    stream after that many events, for tests and one-shot clients)."""
    response = StreamingHttpResponse(
        _frames(topics, heartbeat=heartbeat, accept=accept, limit=limit),
        content_type="text/event-stream; charset=utf-8",
    )
    response["Cache-Control"] = "no-cache, no-transform"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event through at once
    return response


def frame(event: Event, *, name: str | None = None) -> str:
    """One SSE message carrying `event` as JSON."""
    data = json.dumps(event, ensure_ascii=False, separators=(",", ":"), default=str)
    return f"event: {name or event.get('type', 'message')}\ndata: {data}\n\n"


async def _frames(
    topics: tuple[str, ...],
    *,
    heartbeat: float,
    accept: Callable[[Event], bool] | None,
    limit: int | None,
) -> AsyncIterator[str]:
    async with subscribe(*topics) as events:
        yield f"retry: {RETRY_MILLISECONDS}\n\n"
        yield frame({"type": "hello"})
        sent = 0
        while limit is None or sent < limit:
            event = await events.get(timeout=heartbeat)
            if event is None:
                yield ": keep-alive\n\n"
                continue
            if accept is not None and event.get("type") != "overflow" and not accept(event):
                continue
            yield frame(event)
            sent += 1
