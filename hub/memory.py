"""Giving freed memory back to the system after a burst of parsing."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_freed_memory() -> None:
    """Collect garbage, then ask glibc to return the free parts of its heap.

    A large message (Zigbee2MQTT's device list of a big network, megabytes of JSON)
    is parsed into many small objects; once they are dropped, glibc keeps the pages
    for reuse and the process's RSS stays at its high-water mark. On a Raspberry Pi
    that memory is better given back. Does nothing where malloc_trim does not exist.
    """
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
