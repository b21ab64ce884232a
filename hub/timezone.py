"""The one time zone the hub counts local days in.

Scene times (`at: "07:30"`, `after: "23:00"`, cron) and maintenance forecasts
(which weekday a vacuum's use falls on, the local date a filter runs out) are
read in the same zone: the config's `time_zone` (an IANA name) when set, else
the system's. Containers and Raspberry Pis often run on UTC while the household
lives elsewhere, so the config wins over everything the machine says.

The system's zone is `TZ` when it names a zone, else the zone `/etc/localtime`
links to, else the fixed offset the C library reports now: a zone without
daylight-saving changes, so a 07:30 scene drifts by an hour twice a year. That
last case is logged once per resolution with the fix (set `time_zone`).
"""

from __future__ import annotations

import difflib
import logging
import os
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path, PurePath
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from hub.errors import HubError

__all__ = ["UnknownTimeZone", "hub_zone", "named_zone", "system_zone", "zone_name"]

_LOGGER = logging.getLogger(__name__)

_LOCALTIME = Path("/etc/localtime")
#: Named in the message for an unknown zone when no known name is close to it.
EXAMPLE_ZONE = "Europe/Berlin"
#: Trees under a zoneinfo directory that hold the same zones under another root:
#: `posix/` is identical, `right/` counts leap seconds (which Python ignores).
_VARIANT_TREES = ("posix", "right")


class UnknownTimeZone(HubError, ValueError):
    """`name` is not a time zone this machine's (or the tzdata package's) database knows."""

    http_status = 422
    problem_type = "invalid-request"

    def __init__(self, name: str) -> None:
        self.name = name
        self.suggestion = _closest_zone(name)
        if self.suggestion is None:
            text = (
                f"unknown time zone {name!r}: this machine has no time zone database "
                "(install the tzdata package)"
            )
        else:
            text = f"unknown time zone {name!r} (an IANA name such as {self.suggestion!r})"
        super().__init__(text)


def named_zone(name: str) -> ZoneInfo:
    """The IANA zone `name` (e.g. 'Europe/Berlin'); anything else raises `UnknownTimeZone`."""
    zone = _loadable(name)
    if zone is None:
        raise UnknownTimeZone(name)
    return zone


def hub_zone(configured: str | None = None) -> tzinfo:
    """The hub's zone: the configured IANA name when given, else the system's zone."""
    if configured is not None:
        return named_zone(configured)
    return system_zone()


def system_zone() -> tzinfo:
    """The system's zone with its DST rules where the system names one (TZ, /etc/localtime)."""
    tz_variable = os.environ.get("TZ", "")
    if tz_variable:
        zone = _zone_of_tz_variable(tz_variable)
        if zone is not None:
            return zone
        _LOGGER.warning(
            "TZ=%r is not a time zone this machine knows; reading /etc/localtime instead",
            tz_variable,
        )
    zone = _zone_of_localtime()
    if zone is not None:
        return zone
    fixed = datetime.now().astimezone().tzinfo or UTC
    _LOGGER.info(
        "the system names no time zone (no TZ, /etc/localtime is not a zoneinfo link); "
        "using the fixed offset %s without daylight-saving changes. Set time_zone in "
        "the config (e.g. time_zone: %s) for local times that follow the clocks",
        zone_name(fixed),
        EXAMPLE_ZONE,
    )
    return fixed


def zone_name(tz: tzinfo) -> str:
    """How to show `tz` to people: its IANA key, else its current offset ('UTC+05:30')."""
    if isinstance(tz, ZoneInfo) and tz.key:
        return tz.key
    offset = datetime.now(tz).utcoffset() or timedelta(0)
    if not offset:
        return "UTC"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _zone_of_tz_variable(value: str) -> ZoneInfo | None:
    # POSIX allows a leading ':' ("implementation-defined"; glibc reads a file name).
    name = value.removeprefix(":")
    if not name.startswith("/"):
        return _loadable(name)
    try:  # TZ=/etc/localtime is a link too
        key = _key_of_zoneinfo_path(Path(name).resolve())
    except (OSError, RuntimeError):
        return None
    return _loadable(key) if key else None


def _zone_of_localtime() -> ZoneInfo | None:
    try:
        target = _LOCALTIME.resolve(strict=True)
    except (OSError, RuntimeError):  # absent, unreadable, or a symlink loop
        return None
    key = _key_of_zoneinfo_path(target)
    return _loadable(key) if key else None


def _key_of_zoneinfo_path(path: PurePath) -> str | None:
    """'Europe/Berlin' for .../zoneinfo/Europe/Berlin (also its posix/ and right/ twins)."""
    parts = path.parts
    if "zoneinfo" not in parts:
        return None
    # The last one: /nix/store/...-tzdata/share/zoneinfo/..., macOS .../tz/<v>/zoneinfo/...
    below = list(parts[len(parts) - parts[::-1].index("zoneinfo") :])
    if below and below[0] in _VARIANT_TREES:
        below = below[1:]
    return "/".join(below) or None


def _loadable(key: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(key)
    # Not found, not a normalised relative key ('/etc/x', '../x', ''), not a TZif
    # file ('zone.tab'), a directory ('Europe') or an over-long name.
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def _closest_zone(name: str) -> str | None:
    """The known zone name nearest to `name` (case-blind), EXAMPLE_ZONE, or None without data."""
    known = available_timezones()
    if not known:
        return None
    by_folded = {zone.casefold(): zone for zone in known}
    close = difflib.get_close_matches(name.strip().casefold(), list(by_folded), n=1, cutoff=0.8)
    return by_folded[close[0]] if close else EXAMPLE_ZONE
