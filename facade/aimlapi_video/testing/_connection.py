"""Control over the client's connection: closing it without a response, and noticing when it is gone.

How a route drops a connection: it calls :func:`drop_connection`, which marks the request as dropped (every
later ASGI message is swallowed, including the 500 Starlette would send for the exception) and raises
:class:`DropConnection`. The outermost wrapper, :class:`ConnectionMiddleware`, catches it and:

- under uvicorn, closes the socket itself (uvicorn's ``send`` is a bound method of its request cycle, which
  holds the asyncio transport), then waits for uvicorn to notice, so no response and no error log appear.
  Bytes already sent (a truncated download's first part) are flushed before the FIN.
- in-process (``httpx.ASGITransport``) or on a server whose transport is out of reach, raises
  ``httpx.RemoteProtocolError``, which is what httpx raises for a dropped connection over a real network.

A request still running when the server stops (held by a ``slow`` fault) is cancelled by uvicorn; its
connection is then aborted too, rather than answered with the 500 uvicorn would send.
"""

from __future__ import annotations

import asyncio
import logging
from typing import NoReturn

import anyio
import httpx
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["ConnectionMiddleware", "DropConnection", "drop_connection", "sleep_unless_disconnected"]

_SCOPE_KEY = "aimlapi_video.testing.connection"
_DISCONNECT_WAIT = 2.0
logger = logging.getLogger("aimlapi_video.testing")


class DropConnection(Exception):
    """Raised inside a route to end the exchange with no (further) response bytes."""


class _Connection:
    def __init__(self, send: Send) -> None:
        self.raw_send = send
        self.dropped = False

    async def send(self, message: Message) -> None:
        if not self.dropped:
            await self.raw_send(message)


def drop_connection(request: Request) -> NoReturn:
    """Close the client's connection now: nothing more is sent, not even an error status."""
    connection = request.scope.get(_SCOPE_KEY)
    if isinstance(connection, _Connection):
        connection.dropped = True
    raise DropConnection


async def sleep_unless_disconnected(request: Request, seconds: float) -> bool:
    """Sleep ``seconds``, returning early (True) if the client hangs up. The body must be read already."""
    with anyio.move_on_after(seconds):
        while True:
            message = await request.receive()
            if message["type"] == "http.disconnect":
                return True
    return False


def _transport(send: Send) -> asyncio.BaseTransport | None:
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    return transport if isinstance(transport, asyncio.BaseTransport) else None


class ConnectionMiddleware:
    """The outermost ASGI layer: carries out :func:`drop_connection`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = _Connection(send)
        scope[_SCOPE_KEY] = connection
        try:
            await self.app(scope, receive, connection.send)
        except asyncio.CancelledError:
            # the server is stopping and cancels what is still running (a slow answer): cut the connection as a
            # dying server would; aborted, it also swallows the 500 uvicorn would write for the cancellation
            transport = _transport(send)
            if isinstance(transport, asyncio.WriteTransport):
                connection.dropped = True
                transport.abort()
            raise
        except DropConnection:
            transport = _transport(send)
            if transport is None:
                raise httpx.RemoteProtocolError("Server disconnected without sending a response.") from None
            logger.debug("closing the connection of %s %s", scope["method"], scope["path"])
            transport.close()
            with anyio.move_on_after(_DISCONNECT_WAIT):
                while (await receive())["type"] != "http.disconnect":
                    pass
