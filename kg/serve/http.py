"""The HTTP server: waitress, with a deadline for each request to arrive.

waitress reads requests without holding a thread, but it keeps at most `connection_limit`
connections (100 by default) and closes one only when it has been silent for
`channel_timeout` (120 s): 200 clients sending a byte a second (slowloris) held every
connection, and a normal client got 2 answers in 10 s. So:

- a request must arrive whole — headers and body — within `request_timeout` seconds of its
  first byte, however steadily it trickles in; past that its connection is closed;
- a connection that sends nothing is closed after the same time;
- many more connections are kept (`max_connections`, polled with poll(2), not select(2),
  which stops at 1,024 descriptors), so a slow crowd leaves room for everyone else.

One machine's server cannot outlast every attacker; on the open internet, put a reverse proxy
in front (it buffers requests before they reach us).
"""

from __future__ import annotations

import resource
import time
from typing import Any

import waitress
from flask import Flask
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer

#: descriptors kept beside the connections: the listening socket, pipes to the workers, files
_SPARE_FILES = 64


class _DeadlineChannel(HTTPChannel):  # type: ignore[misc]  # waitress has no type hints
    """A connection whose request must arrive within `request_timeout` of its first byte."""

    request_timeout = 20.0
    _arriving_since: float | None = None

    def received(self, data: bytes) -> bool:
        done: bool = super().received(data)
        if self.request is None:  # nothing half-received: the next request has not begun
            self._arriving_since = None
        elif self._arriving_since is None:
            self._arriving_since = time.monotonic()
        return done

    def readable(self) -> bool:
        """Asked by waitress's loop at least once a second: the place to enforce the deadline."""
        since = self._arriving_since
        if since is not None and time.monotonic() - since > self.request_timeout:
            self._arriving_since = None
            self.will_close = True  # the loop closes it on its next pass
            return False
        readable: bool = super().readable()
        return readable


def serve(app: Flask, host: str, port: int, threads: int, request_timeout: float,
          max_connections: int) -> None:
    """Listen on host:port until stopped (KeyboardInterrupt, SIGTERM through the caller)."""
    _allow_files(max_connections + _SPARE_FILES)
    sockets: dict[int, Any] = {}
    server = waitress.create_server(
        app, map=sockets, host=host, port=port, threads=threads, ident="kg",
        connection_limit=max_connections, asyncore_use_poll=True,
        channel_timeout=max(1, round(request_timeout)),
        cleanup_interval=max(1, round(request_timeout / 4)))
    channel = type("Channel", (_DeadlineChannel,), {"request_timeout": request_timeout})
    for dispatcher in list(sockets.values()):
        if isinstance(dispatcher, BaseWSGIServer):
            dispatcher.channel_class = channel
    server.run()


def _allow_files(needed: int) -> None:
    """Raise this process's limit on open files to `needed` if the system allows it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        ceiling = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (ceiling, hard))
