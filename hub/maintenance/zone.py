"""The hub's local time zone: whose days and weekdays the forecasts count in.

Use follows the household's days (a vacuum cleans on weekday mornings), so the
forecaster counts local days. With no setting in the config, the zone is the
system's: `TZ` if set, else the zone `/etc/localtime` links to, else the fixed
offset the C library reports now (no daylight-saving changes then).
"""

from __future__ import annotations

import os
from datetime import datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["system_zone"]

_LOCALTIME = Path("/etc/localtime")


def system_zone() -> tzinfo:
    """The system's local time zone, DST-aware where the system names it."""
    name = os.environ.get("TZ", "").lstrip(":")
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    try:
        target = _LOCALTIME.resolve(strict=True)
    except OSError:
        target = None
    if target is not None and "zoneinfo" in target.parts:
        key = "/".join(target.parts[target.parts.index("zoneinfo") + 1 :])
        try:
            return ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    zone = datetime.now().astimezone().tzinfo
    assert zone is not None  # noqa: S101 - astimezone() always sets one
    return zone
