"""How `mihub devices` shows devices: one compact line each, or one device in full."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

import click

#: The attributes that say at a glance what a device is doing, per family. A family
#: not named here (new ones come with model maps and Zigbee2MQTT exposes) shows the
#: first of `_GENERAL_MAIN_STATE` it reports.
FAMILY_MAIN_STATE: Final[Mapping[str, tuple[str, ...]]] = {
    "air_conditioner": ("power", "temperature", "target_temperature"),
    "air_purifier": ("power", "aqi", "mode"),
    "climate_sensor": ("temperature", "humidity"),
    "curtain": ("position", "state"),
    "door_sensor": ("contact",),
    "humidifier": ("power", "humidity", "target_humidity"),
    "motion_sensor": ("occupancy",),
    "plug": ("power",),
    "speaker": ("volume", "mute"),
    "vacuum": ("state", "battery"),
}
_GENERAL_MAIN_STATE: Final = (
    "state", "power", "position", "contact", "occupancy", "brightness",
    "temperature", "humidity", "aqi", "battery",
)  # fmt: skip
#: At most this many attributes in the listing's state column.
_MAIN_STATE_LIMIT: Final = 3

LIST_COLUMNS: Final = ("name", "status", "room", "state")
#: What survives of each column when the listing is squeezed into 80 columns.
LIST_KEEP: Final = (24, 6, 12, 24)


def main_state(family: str, state: Mapping[str, Any], units: Mapping[str, str | None]) -> str:
    """`on, humidity 41%, target_humidity 55%`-like text: the family's main attributes, as short as they go."""
    wanted = FAMILY_MAIN_STATE.get(family) or _GENERAL_MAIN_STATE
    shown = [name for name in wanted if state.get(name) is not None][:_MAIN_STATE_LIMIT]
    if not shown:
        return ""
    parts = []
    for name in shown:
        value = _value_text(state[name], units.get(name))
        # "on", "cleaning" and "auto" speak for themselves; numbers need their name.
        parts.append(value if name in ("power", "state", "mode") else f"{name} {value}")
    return ", ".join(parts)


def list_row(device: Mapping[str, Any]) -> list[str]:
    """One device as a listing row (`LIST_COLUMNS`)."""
    return [
        device["name"],
        device["status"],
        device.get("room") or "",
        main_state(device["family"], device["state"], device.get("units") or {}),
    ]


def notes(devices: Iterable[Mapping[str, Any]]) -> list[str]:
    """One line per device that needs something: why it is not available."""
    return [
        f"{d['name']}: {d['reason']}"
        for d in devices
        if d["status"] not in ("ok", "unknown") or d.get("reason", "").startswith("token unknown")
    ]


def print_details(device: Mapping[str, Any], source: str | None) -> None:
    """Everything the hub knows of one device, for `mihub devices NAME`."""
    lines = [
        ("name", device["name"]),
        ("id", device["id"]),
        ("status", f"{device['status']} ({device['reason']})"),
        ("family", device["family"]),
        ("model", device["model"]),
        ("capabilities", source or "unknown"),
        ("transport", device["transport"]),
        ("address", device.get("address") or ""),
        ("room", device.get("room") or ""),
        ("firmware", device.get("firmware") or ""),
        ("token", _token_text(device)),
        ("last seen", device.get("last_seen") or "never"),
    ]
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        if value != "":
            click.echo(f"{label:<{width}}  {value}")
    state = device["state"]
    units = device.get("units") or {}
    if state:
        click.echo("state:")
        width = max(len(name) for name in state)
        for name in sorted(state):
            click.echo(f"  {name:<{width}}  {_value_text(state[name], units.get(name))}")


def _token_text(device: Mapping[str, Any]) -> str:
    if device["transport"] != "miio":
        return ""
    return "known" if device.get("token_known") else "unknown"


def _value_text(value: Any, unit: str | None) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        value = f"{value:.1f}".rstrip("0").rstrip(".")
    if unit and unit not in ("", "none"):
        separator = "" if unit in ("%", "°C", "°F") else " "
        return f"{value}{separator}{unit}"
    return str(value)
