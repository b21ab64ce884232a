"""The time zone scene times (`at: "07:30"`, `after: "23:00"`) are read in."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_LOCALTIME = Path("/etc/localtime")


def local_timezone() -> dt.tzinfo:
    """The machine's zone with its DST rules (TZ, then /etc/localtime), else its current offset."""
    candidates: list[str] = []
    if os.environ.get("TZ"):
        candidates.append(os.environ["TZ"].removeprefix(":"))
    try:
        target = str(_LOCALTIME.resolve())
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        candidates.append(target.split("zoneinfo/", 1)[1])
    for key in candidates:
        try:
            return ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return dt.datetime.now().astimezone().tzinfo or dt.UTC
