"""The one HTTP client of scholarkg: a SPARQL store (`kg.store.remote`) and the endpoints of
reference graphs (`kg link`) are reached the same way, with the same timeout and failures.

requests (one session per thread, since a `requests.Session` is not safe to share between
threads) sends; a server that cannot be reached raises `Unreachable` with the operating
system's reason (`[Errno 111] Connection refused`), not urllib3's retry wrapper around it, and
one that is too slow raises `TooSlow`. Callers turn these into messages that name what the
server was for.
"""

from __future__ import annotations

import threading
from typing import Any

import requests

from kg import __version__
from kg.errors import StoreError, StoreTimeout

USER_AGENT = f"scholarkg/{__version__} (https://pypi.org/project/scholarkg/)"


class Unreachable(StoreError):
    """The server could not be reached; `reason` says why, as the system said it."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: cannot be reached ({reason})")
        self.url, self.reason = url, reason


class TooSlow(StoreTimeout):
    """The server did not answer within the timeout."""

    def __init__(self, url: str, timeout: float) -> None:
        super().__init__(f"{url}: no answer within {timeout:g} s")
        self.url, self.timeout = url, timeout


class HttpClient:
    """Requests to one server, each bounded by `timeout` seconds."""

    def __init__(self, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self._local = threading.local()

    @property
    def session(self) -> requests.Session:
        """This thread's session (a `requests.Session` is not safe to share between threads)."""
        if not hasattr(self._local, "session"):
            session = requests.Session()
            session.headers["User-Agent"] = USER_AGENT
            self._local.session = session
        current: requests.Session = self._local.session
        return current

    def send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """The server's response, whatever its status; raises Unreachable or TooSlow."""
        try:
            return self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout:
            raise TooSlow(url, self.timeout) from None
        except requests.ConnectionError as e:
            raise Unreachable(url, _reason(e)) from None
        except requests.RequestException as e:  # redirects without end, a bad header...
            raise Unreachable(url, str(e)) from None


def _reason(error: BaseException) -> str:
    """What the system said under requests' and urllib3's wrappers: the deepest error with an
    errno (`[Errno 111] Connection refused`), else the deepest one of neither library
    (`Remote end closed connection without response`), else `error` itself."""
    with_errno: BaseException | None = None
    plain: BaseException | None = None
    stack: list[object] = [error]
    seen: set[int] = set()
    while stack:
        current = stack.pop(0)  # outermost first: the last kept is the deepest
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno is not None:
            with_errno = current
        elif type(current).__module__.split(".")[0] not in ("requests", "urllib3"):
            plain = current
        stack += [current.__cause__, current.__context__, getattr(current, "reason", None),
                  *current.args]
    return str(with_errno or plain or error)
