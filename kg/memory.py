"""Give the system back memory the process has freed; how much a process holds; sizes of memory
as people write them.

glibc keeps freed pages on the free lists of its arenas (one per thread that allocated) rather
than returning them, so a process stays resident at its peak: after loading 1,000 profiles
the building process held 813 MB, 146 MB once trimmed, and the workers kept what the SHACL
engine had freed. Called between the steps of a build, and between its bulk-load calls while
the next one reads (glibc locks each arena in turn as it trims: a short stall for that call).
"""

from __future__ import annotations

import ctypes
import functools
import re
from collections.abc import Callable

import psutil


def give_back() -> bool:
    """Return free pages of every arena to the system; whether any were returned. Does
    nothing where the C library is not glibc (others return memory themselves, or have no
    such call)."""
    trim = _malloc_trim()
    return bool(trim(0)) if trim is not None else False


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):
        return None


def resident(pid: int) -> int:
    """Resident bytes of process `pid`; 0 once it is gone."""
    try:
        return int(psutil.Process(pid).memory_info().rss)
    except psutil.Error:
        return 0


_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMG]?)(?:I?B)?\s*", re.IGNORECASE)
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}


def parse_size(text: str, least: int = 1 << 20) -> int:
    """Bytes of a size written like 512M, 2G or 1.5GiB (powers of 1,024, as memory is
    counted); 0 stays 0 (no limit). Raises ValueError, with the reason, for anything else and
    for a size under `least` (a bare 2 would be 2 bytes: a limit no query could keep)."""
    match = _SIZE.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a size like 512M or 2G")
    size = float(match[1]) * _UNITS[match[2].upper()]
    if 0 < size < least:
        raise ValueError(f"{text!r} is under {size_text(least)} (0: no limit)")
    return int(size)


def size_text(size: int) -> str:
    """`size` bytes for people: 2 GB, 1.5 GB, 64 MB."""
    return f"{size / 2**30:.3g} GB" if size >= 2**30 else f"{size / 2**20:.3g} MB"
