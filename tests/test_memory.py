"""Freed memory goes back to the system between build steps (`kg.memory`)."""

from __future__ import annotations

import ctypes
import os
import platform

import pytest

from kg.memory import give_back, parse_size, resident, size_text


def _resident_mb() -> int:
    return resident(os.getpid()) >> 20


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


@pytest.mark.parametrize(("text", "size"), [
    ("2G", 2 << 30), ("2GB", 2 << 30), ("2GiB", 2 << 30), (" 2 g ", 2 << 30), ("0.5G", 1 << 29),
    ("512M", 512 << 20), ("1048576", 1 << 20), ("0", 0),
])
def test_sizes_are_read_in_powers_of_1024(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize(("text", "reason"), [
    ("", "'' is not a size like 512M or 2G"),
    ("lots", "'lots' is not a size like 512M or 2G"),
    ("nan", "'nan' is not a size like 512M or 2G"),
    ("1e400", "'1e400' is not a size like 512M or 2G"),
    ("-1G", "'-1G' is not a size like 512M or 2G"),
    ("2T", "'2T' is not a size like 512M or 2G"),
    ("2", "'2' is under 1 MB (0: no limit)"),
    ("0.1", "'0.1' is under 1 MB (0: no limit)"),
])
def test_a_size_that_is_none_or_too_small_says_why(text, reason):
    with pytest.raises(ValueError) as error:
        parse_size(text)
    assert str(error.value) == reason


def test_sizes_are_written_for_people():
    assert [size_text(n) for n in (2 << 30, 3 << 29, 64 << 20)] == ["2 GB", "1.5 GB", "64 MB"]
