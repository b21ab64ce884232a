"""Vacuums other than Roborock: Dreame, Mijia G1, Roidmi (MIoT) and Viomi (miio).

Their states map onto the vacuum family's shared state names (a Dreame
"Sweeping" is ``cleaning``, "GoCharging" ``returning_home``), so a scene that
waits for ``cleaning`` works whatever the brand; fan speed presets keep
python-miio's names, lower-cased, narrowed per model.
"""

from __future__ import annotations

import contextlib
import enum
import io
from collections.abc import Mapping
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from miio.integrations.vacuum.dreame import dreamevacuum_miot as dreame
from miio.integrations.vacuum.mijia import g1vacuum as g1
from miio.integrations.vacuum.roidmi import roidmivacuum_miot as roidmi
from miio.integrations.vacuum.viomi import viomivacuum as viomi

from drivers.families.generate.profile import (
    Command,
    Field,
    Poll,
    Profile,
    Raw,
    Value,
    enum_table,
    snake,
)

# python-miio's untyped status containers and helpers, as mypy --strict takes them.
_DreameStatus: Any = dreame.DreameVacuumStatus
_cleaning_modes: Any = dreame._get_cleaning_mode_enum_class
_G1Status: Any = g1.G1Status
_RoidmiStatus: Any = roidmi.RoidmiVacuumStatus
_RoidmiConsumables: Any = roidmi.RoidmiConsumableStatus
_ViomiStatus: Any = viomi.ViomiVacuumStatus

_ACTIONS = (
    Command("start", lambda d, v: d.start()),
    Command("stop", lambda d, v: d.stop()),
    Command("return_to_dock", lambda d, v: d.home()),
)


def _states(kind: type[enum.Enum], names: Mapping[str, str]) -> dict[Raw, Value]:
    """Wire code -> the family's state name, for each member `names` translates."""
    return {m.value: names[m.name] for m in kind if m.name in names}


def _translated(names: Mapping[str, str]) -> Any:
    return lambda member: None if member is None else names.get(member.name)


def _hours(value: Any) -> Any:
    if isinstance(value, timedelta):
        return round(value.total_seconds() / 3600, 2)
    return value


def _minutes_left(key: str, attribute: str, status: str) -> Field:
    return Field(
        key,
        attribute,
        status,
        divisor=60,
        decimals=2,
        note="Minutes on the wire.",
        theirs=_hours,
    )


# --- Dreame ------------------------------------------------------------------------

_DREAME_STATES = {
    "Sweeping": "cleaning",
    "Idle": "idle",
    "Paused": "paused",
    "Error": "error",
    "GoCharging": "returning_home",
    "Charging": "charging",
    "Mopping": "mopping",
    "ManualSweeping": "manual_mode",
}


def _dreame_speeds(model: str) -> type[enum.Enum]:
    found: type[enum.Enum] | None = _cleaning_modes(model)
    assert found is not None, model
    return found


def _speed_name(member: enum.Enum) -> str:
    # CleaningModeDreameF9 spells its second preset "Standart".
    return "standard" if member.name == "Standart" else snake(member.name)


def _quietly(call: Any, value: Any) -> Any:
    # DreameVacuum.set_fan_speed echoes what it does on stdout.
    with contextlib.redirect_stdout(io.StringIO()):
        return call(value)


def _dreame_speed_names(model: str) -> tuple[str, ...]:
    return tuple(_speed_name(m) for m in _dreame_speeds(model))


_DREAME_PARTS = {
    "main_brush": "reset_mainbrush_life",
    "side_brush": "reset_sidebrush_life",
    "filter": "reset_filter_life",
}


class _Dreame(Profile):
    def fields_for(self, model: str) -> tuple[Field, ...]:
        speeds = _dreame_speeds(model)
        fan = Field(
            "cleaning_mode",
            "fan_speed",
            "cleaning_mode",
            table={m.value: _speed_name(m) for m in speeds},
            note=f"DreameVacuumStatus.cleaning_mode for {model}: {speeds.__name__}.",
            theirs=lambda member: None if member is None else _speed_name(member),
        )
        return (*super().fields_for(model), fan)


DREAME = _Dreame.miot(
    device=dreame.DreameVacuum,
    family="vacuum",
    mappings=dreame.MIOT_MAPPING,
    source=(
        "miio/integrations/vacuum/dreame/dreamevacuum_miot.py (DreameVacuum, MIOT_MAPPING, "
        "DreameVacuumStatus, DeviceStatus, CleaningModeDreame1C, CleaningModeDreameF9)"
    ),
    fields=(
        Field(
            "device_status",
            "state",
            "device_status",
            table=_states(dreame.DeviceStatus, _DREAME_STATES),
            theirs=_translated(_DREAME_STATES),
        ),
        Field("battery_level", "battery", "battery_level"),
        Field("device_fault", "error_code", None),
        Field(
            "charging_state",
            "charging",
            None,
            table={1: True, 2: False, 4: True, 5: False},
            note="ChargingState: 1 and 4 are charging, 2 discharging, 5 on the way to the dock.",
        ),
        Field(
            "cleaning_time",
            "clean_time",
            "cleaning_time",
            divisor=1 / 60,
            note="Minutes on the wire.",
            theirs=lambda minutes: minutes * 60,
        ),
        Field("cleaning_area", "clean_area", "cleaning_area"),
        Field("brush_life_level", "main_brush_life_remaining", "brush_life_level"),
        Field("brush_left_time", "main_brush_left_hours", "brush_left_time"),
        Field("brush_life_level2", "side_brush_life_remaining", "brush_life_level2"),
        Field("brush_left_time2", "side_brush_left_hours", "brush_left_time2"),
        Field("filter_life_level", "filter_life_remaining", "filter_life_level"),
        Field("filter_left_time", "filter_left_hours", "filter_left_time"),
        Field(
            "water_box_carriage_status",
            "mop_attached",
            "is_water_box_carriage_attached",
            table={1: True, 0: False},
        ),
    ),
    commands=(
        *_ACTIONS,
        Command("locate", lambda d, v: d.identify()),
        Command(
            "reset_consumable",
            lambda d, v: d.call_action(_DREAME_PARTS[v]),
            "part",
            tuple(_DREAME_PARTS),
        ),
        Command(
            "set_mode",
            lambda d, v: _quietly(
                d.set_fan_speed,
                next(m.value for m in _dreame_speeds(d.model) if _speed_name(m) == v),
            ),
            "mode",
            _dreame_speed_names,
        ),
    ),
    status=lambda data, model: _DreameStatus(data, model),
)


# --- Mijia G1 ----------------------------------------------------------------------

_G1_STATES = {
    "Idle": "idle",
    "Sweeping": "cleaning",
    "Paused": "paused",
    "Error": "error",
    "Charging": "charging",
    "GoCharging": "returning_home",
}
_G1_ERRORS: dict[Raw, Value] = {int(k): str(v) for k, v in g1.ERROR_CODES.items()}

G1 = Profile.miot(
    device=g1.G1Vacuum,
    family="vacuum",
    mappings=g1.MIOT_MAPPING,
    source=(
        "miio/integrations/vacuum/mijia/g1vacuum.py (G1Vacuum, MIOT_MAPPING, G1Status, "
        "G1State, G1FanSpeed, ERROR_CODES)"
    ),
    fields=(
        Field(
            "state",
            "state",
            "state",
            table=_states(g1.G1State, _G1_STATES),
            theirs=_translated(_G1_STATES),
        ),
        Field("battery", "battery", "battery"),
        Field("error_code", "error_code", "error_code"),
        Field(
            "fan_speed",
            "fan_speed",
            "fan_speed",
            table={m.value: snake(m.name) for m in g1.G1FanSpeed},
        ),
        Field(
            "charge_state",
            "charging",
            None,
            table={0: False, 1: True, 2: False},
            note="G1ChargeState: 0 discharging, 1 charging, 2 fully charged.",
        ),
        Field(
            "clean_time",
            "clean_time",
            "clean_time",
            divisor=1 / 60,
            note="Minutes on the wire.",
        ),
        Field("clean_area", "clean_area", "clean_area"),
        Field("main_brush_life_level", "main_brush_life_remaining", "main_brush_life_level"),
        _minutes_left("main_brush_time_left", "main_brush_left_hours", "main_brush_time_left"),
        Field("side_brush_life_level", "side_brush_life_remaining", "side_brush_life_level"),
        _minutes_left("side_brush_time_left", "side_brush_left_hours", "side_brush_time_left"),
        Field("filter_life_level", "filter_life_remaining", "filter_life_level"),
        _minutes_left("filter_time_left", "filter_left_hours", "filter_time_left"),
        Field("mop_state", "mop_attached", None, table={1: True, 0: False}),
    ),
    # G1Vacuum.consumable_reset compares a name with an enum member and so never
    # sends anything: python-miio cannot reset a G1 part, and neither can the map.
    commands=(
        *_ACTIONS,
        Command("locate", lambda d, v: d.find()),
        Command(
            "set_mode",
            lambda d, v: d.set_fan_speed(next(m for m in g1.G1FanSpeed if snake(m.name) == v)),
            "mode",
            tuple(snake(m.name) for m in g1.G1FanSpeed),
        ),
    ),
    status=lambda data, model: _G1Status(data),
)


# --- Roidmi ------------------------------------------------------------------------

_ROIDMI_STATES = {
    "Dormant": "sleeping",
    "Idle": "idle",
    "Paused": "paused",
    "Sweeping": "cleaning",
    "GoCharging": "returning_home",
    "Charging": "charging",
    "Error": "error",
    "Rfctrl": "remote_control_active",
    "Fullcharge": "charging_complete",
    "Shutdown": "shutting_down",
    "FindChargerPause": "paused",
}
_ROIDMI_PARTS = {
    "main_brush": "reset_main_brush_life",
    "side_brush": "reset_side_brushes_life",
    "filter": "reset_filter_life",
    "sensor": "reset_sensor_dirty_life",
}
_ROIDMI_SPEEDS = ("sweep", "silent", "basic", "strong", "full_speed")

ROIDMI = Profile.miot(
    device=roidmi.RoidmiVacuumMiot,
    family="vacuum",
    mappings=roidmi._MAPPINGS,
    source=(
        "miio/integrations/vacuum/roidmi/roidmivacuum_miot.py (RoidmiVacuumMiot, _MAPPINGS, "
        "RoidmiVacuumStatus, RoidmiConsumableStatus, RoidmiState, FanSpeed, error_codes)"
    ),
    fields=(
        Field(
            "state",
            "state",
            "status.state",
            table=_states(roidmi.RoidmiState, _ROIDMI_STATES),
            theirs=_translated(_ROIDMI_STATES),
        ),
        Field("battery_level", "battery", "status.battery"),
        # One MIoT property feeds one attribute: the code, not python-miio's words for it.
        Field("error_code", "error_code", "status.error_code"),
        Field(
            "fanspeed_mode",
            "fan_speed",
            "status.fan_speed",
            table=enum_table(roidmi.FanSpeed),
        ),
        Field(
            "charging_state",
            "charging",
            None,
            table={1: True, 2: False, 4: False},
            note="ChargingState: 1 charging, 2 discharging, 4 not chargeable.",
        ),
        Field("clean_time_sec", "clean_time", "status.clean_time"),
        Field("clean_area", "clean_area", "status.clean_area"),
        Field("mop_present", "mop_attached", "status.is_mop_attached"),
        Field("filter_life_level", "filter_life_remaining", None),
        _minutes_left("filter_left_minutes", "filter_left_hours", "consumable.filter_left"),
        Field("main_brush_life_level", "main_brush_life_remaining", None),
        _minutes_left(
            "main_brush_left_minutes", "main_brush_left_hours", "consumable.main_brush_left"
        ),
        Field("side_brushes_life_level", "side_brush_life_remaining", None),
        _minutes_left(
            "side_brushes_left_minutes", "side_brush_left_hours", "consumable.side_brush_left"
        ),
        Field("sensor_dirty_remaning_level", "sensor_life_remaining", None),
        _minutes_left(
            "sensor_dirty_time_left_minutes", "sensor_left_hours", "consumable.sensor_dirty_left"
        ),
    ),
    commands=(
        *_ACTIONS,
        Command("locate", lambda d, v: d.identify()),
        Command(
            "reset_consumable",
            lambda d, v: d.call_action(_ROIDMI_PARTS[v]),
            "part",
            tuple(_ROIDMI_PARTS),
        ),
        Command(
            "set_mode",
            lambda d, v: d.set_fanspeed(next(m for m in roidmi.FanSpeed if snake(m.name) == v)),
            "mode",
            _ROIDMI_SPEEDS,
        ),
    ),
    reads=("status", "consumable_status"),
    status=lambda data, model: SimpleNamespace(
        status=_RoidmiStatus(data), consumable=_RoidmiConsumables(data)
    ),
)


# --- Viomi -------------------------------------------------------------------------

_VIOMI_STATES = {
    "IdleNotDocked": "idle",
    "Idle": "idle",
    "Idle2": "idle",
    "Cleaning": "cleaning",
    "Returning": "returning_home",
    "Docked": "docked",
    "VacuumingAndMopping": "cleaning",
}
# ViomiVacuum.status asks for these in one get_prop.
_VIOMI_PROPERTIES = (
    "battary_life", "box_type", "cur_mapid", "err_state", "has_map", "has_newmap", "hw_info",
    "is_charge", "is_mop", "is_work", "light_state", "map_num", "mode", "mop_route",
    "mop_type", "remember_map", "repeat_state", "run_state", "s_area", "s_time",
    "suction_grade", "v_state", "water_grade",
)  # fmt: skip
_VIOMI_CONSUMABLES = ("main_brush", "side_brush", "filter", "mop")


VIOMI = Profile(
    device=viomi.ViomiVacuum,
    family="vacuum",
    models=tuple(viomi.SUPPORTED_MODELS),
    source=(
        "miio/integrations/vacuum/viomi/viomivacuum.py (ViomiVacuum, ViomiVacuumStatus, "
        "ViomiConsumableStatus, ViomiVacuumState, ViomiVacuumSpeed, ERROR_CODES)"
    ),
    properties=lambda model: _VIOMI_PROPERTIES,
    polls=(
        # get_consumables answers hours of use: [main brush, side brush, filter, mop].
        Poll(
            "get_consumables",
            "list",
            keys=("main_brush", "side_brush", "filter"),
            positions=_VIOMI_CONSUMABLES,
        ),
    ),
    fields=(
        Field(
            "run_state",
            "state",
            "status.state",
            table=_states(viomi.ViomiVacuumState, _VIOMI_STATES),
            theirs=_translated(_VIOMI_STATES),
        ),
        Field("battary_life", "battery", "status.battery"),
        Field("err_state", "error_code", "status.error_code"),
        Field(
            "err_state",
            "error",
            "status.error",
            table={int(k): str(v) for k, v in viomi.ERROR_CODES.items()},
            note="ViomiVacuumStatus.error: codes it does not list read 'Unknown error <code>'.",
            theirs=lambda text: None if text is None or text.startswith("Unknown") else text,
        ),
        Field(
            "suction_grade",
            "fan_speed",
            "status.fanspeed",
            table={m.value: snake(m.name) for m in viomi.ViomiVacuumSpeed},
        ),
        Field(
            "s_time",
            "clean_time",
            "status.clean_time",
            divisor=1 / 60,
            note="Minutes on the wire.",
        ),
        Field("s_area", "clean_area", "status.clean_area"),
        Field("mop_type", "mop_attached", "status.mop_installed", table={1: True, 0: False}),
        Field(
            "is_charge",
            "charging",
            "status.charging",
            table={0: True, 1: False},
            note="ViomiVacuumStatus.charging: 0 is charging (a full battery reads 1).",
        ),
        Field("main_brush", "main_brush_hours", "consumable.main_brush", theirs=_hours),
        Field("side_brush", "side_brush_hours", "consumable.side_brush", theirs=_hours),
        Field("filter", "filter_hours", "consumable.filter", theirs=_hours),
    ),
    commands=(
        # ViomiVacuum.start/pause/stop read the edge-cleaning setting ("mode") first
        # and send it back: the recorder's marked answers make that a reply reference.
        Command("start", lambda d, v: d.start()),
        Command("pause", lambda d, v: d.pause()),
        Command("stop", lambda d, v: d.stop()),
        Command("return_to_dock", lambda d, v: d.home()),
        Command(
            "set_mode",
            lambda d, v: d.set_fan_speed(
                next(m for m in viomi.ViomiVacuumSpeed if snake(m.name) == v)
            ),
            "mode",
            tuple(snake(m.name) for m in viomi.ViomiVacuumSpeed),
        ),
    ),
    reads=("status", "consumable_status"),
    status=lambda data, model: SimpleNamespace(
        status=_ViomiStatus(data),
        consumable=viomi.ViomiConsumableStatus([data.get(k) or 0 for k in _VIOMI_CONSUMABLES]),
    ),
)

PROFILES = (DREAME, G1, ROIDMI, VIOMI)
