"""The names the server answers as, against DNS rebinding.

A page on another site can point its own host name at 127.0.0.1 and then talk to a server on
loopback as if it were the same site, reading answers and sending updates. The only trace such
a request keeps of where it came from is its `Host` header, so requests naming a host the
server was not told it is called are refused.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARDS = frozenset({"", "0.0.0.0", "::"})


def trusted_hosts(bind: str, public: Iterable[str] = (), base: str | None = None
                  ) -> frozenset[str] | None:
    """The host names a server bound to `bind` answers as; None accepts any.

    Loopback names always; the bound address itself; the host of the graph's base IRI (its
    IRIs must dereference); and every `--public-host`. A server bound to every interface
    without a `--public-host` accepts any name, as it did before: it was put on a network on
    purpose, and its updates need a token there.
    """
    names = set(LOOPBACK_NAMES) | {name.strip().lower().strip("[]") for name in public}
    if bind in WILDCARDS and not names - LOOPBACK_NAMES:
        return None
    if bind not in WILDCARDS:
        names.add(bind.lower().strip("[]"))
    if base is not None and (host := urlsplit(base).hostname):
        names.add(host)
    return frozenset(names)


def host_name(header: str | None) -> str | None:
    """The host of a `Host` header without its port, lower-cased; None when it is malformed."""
    if not header:
        return None
    try:
        parts = urlsplit(f"//{header}")
        name = parts.hostname
        parts.port  # noqa: B018 -- raises ValueError on a port that is not a number
    except ValueError:
        return None
    return name


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_allowed(hosts: frozenset[str] | None, header: str | None) -> bool:
    """Whether a request whose `Host` header is `header` may be answered (DNS rebinding);
    `hosts` None accepts any."""
    return hosts is None or host_name(header) in hosts
