"""Freed memory goes back to the system between build steps (`kg.memory`)."""

from __future__ import annotations

import ctypes
import platform

import pytest

from kg.memory import give_back


def _resident_mb() -> int:
    with open("/proc/self/status") as status:
        return int(status.read().split("VmRSS:")[1].split()[0]) // 1024


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_freed_pages_below_a_live_allocation_are_given_back():
    """200 MB of C buffers freed under one still alive: glibc keeps them resident (it only
    shrinks the top of its heap) until they are given back."""
    give_back()
    buffers = [ctypes.create_string_buffer(10_000) for _ in range(20_000)]
    alive = ctypes.create_string_buffer(10_000)
    before = _resident_mb()
    del buffers
    kept = _resident_mb()
    assert give_back() is True
    assert before - kept < 20 and kept - _resident_mb() > 150
    assert alive.raw == b"\0" * 10_000
