"""Roborock / Rockrobo vacuums: one miio API for every model, fan presets per model."""

from __future__ import annotations

import enum
from types import SimpleNamespace
from typing import Any

from miio.integrations.vacuum.roborock import vacuum as roborock
from miio.integrations.vacuum.roborock import vacuumcontainers as containers

from drivers.families.generate.profile import Command, Field, Poll, Profile, Raw, Value, snake


def _state_table() -> dict[Raw, Value]:
    # VacuumStatus.state names each code it knows; others read "Definition missing".
    out: dict[Raw, Value] = {}
    for code in range(256):
        text = containers.VacuumStatus({"state": code}).state
        if not text.startswith("Definition missing"):
            out[code] = snake(text)
    return out


def fanspeeds(model: str) -> type[enum.Enum]:
    """RoborockVacuum.fan_speed_presets for `model`.

    The rockrobo.vacuum.v1 picks by firmware (V1 before 3.5.7, V2 at 3.5.7, V3
    after); a table cannot ask the firmware, so it gets V1, python-miio's choice
    for firmware it cannot read. Unknown models get V2, as python-miio gives them.
    """
    if model == roborock.ROCKROBO_V1:
        return roborock.FanspeedV1
    return {
        roborock.ROCKROBO_E2: roborock.FanspeedE2,
        roborock.ROCKROBO_S7: roborock.FanspeedS7,
        roborock.ROCKROBO_S7_MAXV: roborock.FanspeedS7_Maxv,
    }.get(model, roborock.FanspeedV2)


def _fan_table(model: str) -> dict[Raw, Value]:
    return {m.value: snake(m.name) for m in fanspeeds(model)}


def _hours(value: Any) -> float:
    return round(float(value.total_seconds()) / 3600, 2)


# vacuumcontainers.error_codes: code -> text.
_ERRORS: dict[Raw, Value] = {int(code): str(text) for code, text in containers.error_codes.items()}

_PARTS = {
    "main_brush": roborock.Consumable.MainBrush,
    "side_brush": roborock.Consumable.SideBrush,
    "filter": roborock.Consumable.Filter,
    "sensor": roborock.Consumable.SensorDirty,
}
_COMMON_FIELDS = (
    Field("state", "state", "status.state", table=_state_table(), theirs=snake),
    Field("battery", "battery", "status.battery"),
    Field("error_code", "error_code", "status.error_code"),
    Field(
        "error_code",
        "error",
        "status.error",
        table=_ERRORS,
    ),
    Field("clean_time", "clean_time", "status.clean_time"),
    Field(
        "clean_area", "clean_area", "status.clean_area", divisor=1_000_000, note="mm² on the wire."
    ),
    Field(
        "in_cleaning",
        "in_cleaning",
        None,
        table={0: False, 1: True, 2: True, 3: True},
        note="0 idle, 1 cleaning, 2 zoned cleaning, 3 segment cleaning.",
    ),
    Field("dnd_enabled", "dnd_enabled", None, table={0: False, 1: True}),
    Field(
        "main_brush_work_time",
        "main_brush_hours",
        "consumable.main_brush",
        divisor=3600,
        decimals=2,
        note="Seconds of use on the wire.",
        theirs=_hours,
    ),
    Field(
        "side_brush_work_time",
        "side_brush_hours",
        "consumable.side_brush",
        divisor=3600,
        decimals=2,
        theirs=_hours,
    ),
    Field(
        "filter_work_time",
        "filter_hours",
        "consumable.filter",
        divisor=3600,
        decimals=2,
        theirs=_hours,
    ),
    Field(
        "sensor_dirty_time",
        "sensor_dirty_hours",
        "consumable.sensor_dirty",
        divisor=3600,
        decimals=2,
        theirs=_hours,
    ),
)


def _fields(model: str) -> tuple[Field, ...]:
    fan = Field(
        "fan_power",
        "fan_speed",
        "status.fanspeed",
        table=_fan_table(model),
        note=f"RoborockVacuum.fan_speed_presets for {model}: {fanspeeds(model).__name__}.",
        theirs=lambda raw: snake(fanspeeds(model)(raw).name),
    )
    return (*_COMMON_FIELDS[:3], fan, *_COMMON_FIELDS[3:])


class _RoborockProfile(Profile):
    def fields_for(self, model: str) -> tuple[Field, ...]:
        return _fields(model)


_STATUS_KEYS = (
    "state",
    "battery",
    "fan_power",
    "error_code",
    "clean_time",
    "clean_area",
    "in_cleaning",
    "dnd_enabled",
)
_CONSUMABLE_KEYS = (
    "main_brush_work_time",
    "side_brush_work_time",
    "filter_work_time",
    "sensor_dirty_time",
)
# python-miio applies RoborockVacuum (with FanspeedV2) to every model it does not
# list; the map of a FanspeedV2 model serves those.
PATTERN_HOST = roborock.ROCKROBO_S6

ROBOROCK = _RoborockProfile(
    device=roborock.RoborockVacuum,
    family="vacuum",
    models=tuple(m for m in roborock.SUPPORTED_MODELS if m != roborock.ROCKROBO_S5),
    source=(
        "miio/integrations/vacuum/roborock/vacuum.py (RoborockVacuum, SUPPORTED_MODELS, "
        "fan_speed_presets, Consumable) and vacuumcontainers.py (VacuumStatus, error_codes, "
        "ConsumableStatus)"
    ),
    fields=_COMMON_FIELDS,
    # status() reads get_status, consumable_status() get_consumable: [{...}] each.
    polls=(
        Poll("get_status", "first_object", keys=_STATUS_KEYS),
        Poll("get_consumable", "first_object", keys=_CONSUMABLE_KEYS),
    ),
    commands=(
        Command("start", lambda d, v: d.start()),
        Command("pause", lambda d, v: d.pause()),
        Command("stop", lambda d, v: d.stop()),
        Command("return_to_dock", lambda d, v: d.home()),
        Command("locate", lambda d, v: d.find()),
        Command(
            "reset_consumable",
            lambda d, v: d.consumable_reset(_PARTS[v]),
            "part",
            tuple(_PARTS),
        ),
        Command(
            "set_mode",
            lambda d, v: d.set_fan_speed(
                next(m.value for m in fanspeeds(d.model) if snake(m.name) == v)
            ),
            "mode",
            lambda model: tuple(snake(m.name) for m in fanspeeds(model)),
        ),
    ),
    reads=("status", "consumable_status"),
    status=lambda data, model: SimpleNamespace(
        status=containers.VacuumStatus(data), consumable=containers.ConsumableStatus(data)
    ),
    patterns={PATTERN_HOST: ("roborock.vacuum.*", "rockrobo.vacuum.*")},
)
