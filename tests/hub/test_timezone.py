"""Which zone the hub counts local times in: the config's, else TZ, else /etc/localtime."""

from __future__ import annotations

import logging
import time
from datetime import UTC, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import hub.timezone
from hub.timezone import UnknownTimeZone, hub_zone, named_zone, system_zone, zone_name


@pytest.fixture
def localtime(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in /etc/localtime; point it at a zone with `_link(localtime, key)`."""
    link = tmp_path / "etc" / "localtime"
    link.parent.mkdir()
    monkeypatch.setattr(hub.timezone, "_LOCALTIME", link)
    monkeypatch.delenv("TZ", raising=False)
    return link


def _link(link: Path, key: str, *, root: str = "usr/share/zoneinfo") -> None:
    # Only the link's target path matters (as for the real /etc/localtime): the zone
    # itself is then read from Python's zone database.
    target = link.parent.parent / root / key
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"")
    link.unlink(missing_ok=True)
    link.symlink_to(target)


def test_the_configured_zone_beats_tz_and_etc_localtime(
    localtime: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _link(localtime, "America/Chicago")
    monkeypatch.setenv("TZ", "America/New_York")
    assert zone_name(hub_zone("Europe/Berlin")) == "Europe/Berlin"


def test_tz_beats_etc_localtime(localtime: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _link(localtime, "America/Chicago")
    for value in ("America/New_York", ":America/New_York", ":/usr/share/zoneinfo/America/New_York"):
        monkeypatch.setenv("TZ", value)
        assert zone_name(hub_zone(None)) == "America/New_York", value
    # A path that links into a zoneinfo tree, as /etc/localtime does.
    link = localtime.parent / "household-zone"
    _link(link, "Asia/Kolkata")
    monkeypatch.setenv("TZ", str(link))
    assert zone_name(hub_zone(None)) == "Asia/Kolkata"


def test_etc_localtime_names_the_zone_without_tz(localtime: Path) -> None:
    _link(localtime, "Australia/Adelaide")
    assert zone_name(system_zone()) == "Australia/Adelaide"
    # Distributions also link into the posix/ twin tree, NixOS into its store.
    _link(localtime, "posix/Asia/Kolkata")
    assert zone_name(system_zone()) == "Asia/Kolkata"
    _link(localtime, "Europe/Lisbon", root="nix/store/abc-tzdata-2026a/share/zoneinfo")
    assert zone_name(system_zone()) == "Europe/Lisbon"


def test_a_bogus_tz_falls_back_to_etc_localtime_and_says_so(
    localtime: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _link(localtime, "America/Chicago")
    monkeypatch.setenv("TZ", "Mars/Olympus_Mons")
    with caplog.at_level(logging.WARNING, logger="hub.timezone"):
        assert zone_name(hub_zone(None)) == "America/Chicago"
    assert "TZ='Mars/Olympus_Mons' is not a time zone" in caplog.text


def test_without_a_named_zone_the_c_librarys_offset_is_used(
    localtime: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # A POSIX rule with no zone name: the C library reads it, zoneinfo cannot.
    # /etc/localtime (the fixture's) does not exist.
    monkeypatch.setenv("TZ", "IST-5:30")
    time.tzset()
    try:
        with caplog.at_level(logging.INFO, logger="hub.timezone"):
            zone = hub_zone(None)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert not isinstance(zone, ZoneInfo)
    assert zone_name(zone) == "UTC+05:30"
    assert "without daylight-saving changes" in caplog.text
    assert "time_zone: Europe/Berlin" in caplog.text


def test_zone_names_people_read() -> None:
    assert zone_name(ZoneInfo("Europe/Berlin")) == "Europe/Berlin"
    assert zone_name(UTC) == "UTC"
    assert zone_name(timezone(timedelta(hours=-3, minutes=-30))) == "UTC-03:30"
    assert zone_name(timezone(timedelta(hours=9), "JST")) == "UTC+09:00"


def test_an_unknown_name_suggests_the_nearest_known_zone() -> None:
    with pytest.raises(UnknownTimeZone) as info:
        named_zone("Europe/Berln")
    assert (
        str(info.value) == "unknown time zone 'Europe/Berln' (an IANA name such as 'Europe/Berlin')"
    )
    with pytest.raises(UnknownTimeZone, match="such as 'America/New_York'"):
        named_zone("america/new_york")  # zone names are case-sensitive on Linux


@pytest.mark.parametrize(
    "name",
    [
        "Mars/Olympus_Mons",
        "",
        "Europe",
        "zone.tab",
        "/etc/localtime",
        "../../etc/passwd",
        "x" * 300,
    ],
)
def test_names_that_are_not_zones_are_refused(name: str) -> None:
    with pytest.raises(UnknownTimeZone, match="unknown time zone") as info:
        hub_zone(name)
    assert isinstance(info.value, ValueError)  # pydantic turns it into a config error
