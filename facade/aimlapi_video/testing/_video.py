"""Serving result videos like a CDN: byte ranges, streaming in chunks, and downloads cut off midway."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from ._connection import drop_connection
from ._mp4 import SizedVideo

__all__ = ["TruncatedVideoResponse", "parse_range", "video_response"]

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
UNSATISFIABLE = (-1, -1)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The ``(start, end_exclusive)`` a single-range ``Range`` header asks for.

    None means "send the whole file" (no header, several ranges, or a malformed one, which RFC 9110 says to
    ignore); :data:`UNSATISFIABLE` means 416.
    """
    match = _RANGE.fullmatch(header.strip()) if header else None
    if match is None:
        return None
    first, last = match.groups()
    if not first:
        if not last:
            return None
        suffix = int(last)
        return (max(0, size - suffix), size) if suffix else UNSATISFIABLE
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        return UNSATISFIABLE
    return start, size if not last else min(int(last) + 1, size)


#: Chunks sent between two yields to the event loop. A socket the client closed only becomes a disconnect
#: once the loop runs; until then every write goes to a dead transport, and asyncio logs each one from the
#: fifth on ("socket.send() raised exception.": hundreds of lines for a large video). Yielding every MiB
#: bounds that to a few, at a cost the download benchmark does not see (under 1 %).
_YIELD_EVERY = 16


async def _chunks(video: SizedVideo, start: int, end: int) -> AsyncIterator[bytes]:
    for n, chunk in enumerate(video.iter_bytes(start, end), 1):
        yield chunk
        if n % _YIELD_EVERY == 0:
            await asyncio.sleep(0)


def video_response(request: Request, video: SizedVideo, file_name: str) -> Response:
    """200 or 206 (or 416) for ``video``, streamed in chunks, with Content-Length always set."""
    headers = {
        "accept-ranges": "bytes",
        "content-disposition": f'inline; filename="{file_name}"',
    }
    wanted = parse_range(request.headers.get("range"), video.size)
    if wanted == UNSATISFIABLE:
        headers["content-range"] = f"bytes */{video.size}"
        return Response(status_code=416, headers=headers)
    start, end = wanted or (0, video.size)
    status = 200 if wanted is None else 206
    if status == 206:
        headers["content-range"] = f"bytes {start}-{end - 1}/{video.size}"
    headers["content-length"] = str(end - start)
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers, media_type="video/mp4")
    return StreamingResponse(_chunks(video, start, end), status_code=status, headers=headers, media_type="video/mp4")


class TruncatedVideoResponse(Response):
    """Announces the whole video, sends its first ``after_bytes`` bytes, then closes the connection."""

    def __init__(self, request: Request, video: SizedVideo, after_bytes: int) -> None:
        super().__init__(status_code=200, media_type="video/mp4", headers={"content-length": str(video.size)})
        self._request = request
        self._video = video
        self._after = min(after_bytes, video.size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        for chunk in self._video.iter_bytes(0, self._after):
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        drop_connection(self._request)
