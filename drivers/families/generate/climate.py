"""Heaters (zhimi legacy and MIoT), the xiaomi MIoT air conditioners and the AC companion MCN02."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from miio import airconditioner_miot as ac
from miio import airconditioningcompanion as companion
from miio import airconditioningcompanionMCN as mcn
from miio import heater, heater_miot

from drivers.families.generate.profile import (
    ON_OFF,
    Command,
    Field,
    Poll,
    Profile,
    Raw,
    Value,
    enum_table,
    member,
    snake,
)

_ON_OFF = (
    Command("turn_on", lambda d, v: d.on()),
    Command("turn_off", lambda d, v: d.off()),
)


def _target_limits(low: float, high: float) -> Mapping[str, Mapping[str, float]]:
    return {
        "target_temperature": {"min": low, "max": high},
        "set_target_temperature.temperature": {"min": low, "max": high},
    }


def _legacy_range(model: str) -> tuple[int, int]:
    low, high = heater.SUPPORTED_MODELS[model]["temperature_range"]
    return int(low), int(high)


HEATER = Profile(
    device=heater.Heater,
    family="heater",
    models=tuple(heater.SUPPORTED_MODELS),
    source="miio/heater.py (Heater, SUPPORTED_MODELS, HeaterStatus, Brightness)",
    properties=lambda model: heater.SUPPORTED_MODELS[model]["available_properties"],
    # Heater.status: both models answer one property per request.
    max_properties=1,
    fields=(
        Field("power", "power", "is_on", table=ON_OFF),
        Field("target_temperature", "target_temperature", "target_temperature"),
        Field("brightness", "led_brightness", "brightness", table=enum_table(heater.Brightness)),
        Field("buzzer", "buzzer", "buzzer", table=ON_OFF),
        Field("child_lock", "child_lock", "child_lock", table=ON_OFF),
        Field("temperature", "temperature", "temperature", decimals=1, samples=(22.3, 0, 30)),
        Field(
            "use_time",
            "use_time",
            "use_time",
            divisor=3600,
            decimals=2,
            note="Seconds on the wire.",
            theirs=lambda s: None if s is None else round(s / 3600, 2),
        ),
        Field(
            "poweroff_time",
            "delay_off_countdown",
            "delay_off_countdown",
            divisor=60,
            note="Seconds on the wire (Heater.delay_off sends seconds to the ZA1).",
            theirs=lambda s: None if s is None else int(s / 60),
        ),
        Field(
            "poweroff_level",
            "delay_off_countdown",
            "delay_off_countdown",
            divisor=1 / 60,
            note="Hours on the wire (Heater.delay_off sends seconds // 3600 to the MA1).",
            theirs=lambda h: None if h is None else h * 60,
        ),
        Field("relative_humidity", "humidity", "humidity"),
    ),
    commands=(
        *_ON_OFF,
        Command(
            "set_target_temperature",
            lambda d, v: d.set_target_temperature(v),
            "temperature",
            lambda model: _legacy_range(model),
        ),
    ),
    status=lambda data, model: heater.HeaterStatus(data),
    limits=lambda model: _target_limits(*_legacy_range(model)),
)


def _miot_range(model: str) -> tuple[int, int]:
    low, high = heater_miot.HEATER_PROPERTIES[model]["temperature_range"]
    return int(low), int(high)


def _miot_led(model: str) -> dict[Raw, Value]:
    # HeaterMiotStatus.led_brightness: the ZA2 counts 1 and 2 the other way round;
    # the spec's "On" is the family's bright.
    names = {"On": "bright", "Off": "off", "Dim": "dim"}
    out: dict[Raw, Value] = {}
    for m in heater_miot.LedBrightness:
        raw = (3 - m.value) if model == "zhimi.heater.za2" and m.value else m.value
        out[raw] = names[m.name]
    return out


class _HeaterMiot(Profile):
    def fields_for(self, model: str) -> tuple[Field, ...]:
        led = Field(
            "led_brightness",
            "led_brightness",
            "led_brightness",
            table=_miot_led(model),
            note="Counted 0 on, 1 dim, 2 off on this model."
            if model == "zhimi.heater.za2"
            else "0 on, 1 off, 2 dim.",
            theirs=lambda m: {"on": "bright"}.get(snake(m.name), snake(m.name)),
        )
        return (*super().fields_for(model), led)


HEATER_MIOT = _HeaterMiot.miot(
    device=heater_miot.HeaterMiot,
    family="heater",
    mappings=heater_miot._MAPPINGS,
    source="miio/heater_miot.py (HeaterMiot, _MAPPINGS, HEATER_PROPERTIES, HeaterMiotStatus, LedBrightness)",
    fields=(
        Field("power", "power", "is_on"),
        Field("target_temperature", "target_temperature", "target_temperature"),
        Field(
            "countdown_time",
            "delay_off_countdown",
            None,
            divisor=1 / 60,
            note="Hours on the wire (HeaterMiot.set_delay_off sends seconds // 3600).",
        ),
        Field("temperature", "temperature", "temperature", decimals=1, samples=(22.6, 0, 30)),
        Field("relative_humidity", "humidity", "relative_humidity"),
        Field("child_lock", "child_lock", "child_lock"),
        Field("buzzer", "buzzer", "buzzer"),
    ),
    commands=(
        *_ON_OFF,
        Command(
            "set_target_temperature",
            lambda d, v: d.set_target_temperature(v),
            "temperature",
            lambda model: _miot_range(model),
        ),
    ),
    status=lambda data, model: heater_miot.HeaterMiotStatus(data, model),
    limits=lambda model: _target_limits(*_miot_range(model)),
)

# xiaomi.aircondition.mc4 has a hand-written map (the first one, checked by
# test_python_miio_parity.py); its siblings share its _MAPPING.
_AC_MODES = tuple(snake(m.name) for m in ac.OperationMode)
_AC_SPEEDS: dict[Raw, Value] = {m.value: snake(m.name) for m in ac.FanSpeed}

AIR_CONDITIONER = Profile(
    device=ac.AirConditionerMiot,
    family="air_conditioner",
    protocol="miot",
    models=tuple(m for m in ac.SUPPORTED_MODELS if m != "xiaomi.aircondition.mc4"),
    source=(
        "miio/airconditioner_miot.py (AirConditionerMiot, _MAPPINGS, AirConditionerMiotStatus, "
        "OperationMode, FanSpeed)"
    ),
    mappings=ac._MAPPINGS,
    fields=(
        Field("power", "power", "is_on"),
        Field("mode", "mode", "mode", table=enum_table(ac.OperationMode)),
        Field(
            "target_temperature",
            "target_temperature",
            "target_temperature",
            samples=(16, 23.5, 31),
        ),
        Field("eco", "eco", "eco"),
        Field("sleep_mode", "sleep_mode", "sleep_mode"),
        Field("fan_speed", "fan_speed", "fan_speed", table=_AC_SPEEDS),
        Field("vertical_swing", "vertical_swing", "vertical_swing"),
        Field("temperature", "temperature", "temperature", samples=(25.5, 0, 40)),
        Field("buzzer", "buzzer", "buzzer"),
        Field("led", "led", "led"),
        Field("electricity", "electricity", "electricity", samples=(0.5, 0, 12.25)),
        Field(
            "running_duration",
            "running_duration",
            "total_running_duration",
            theirs=lambda t: t.total_seconds() / 3600,
        ),
    ),
    commands=(
        *_ON_OFF,
        Command(
            "set_mode",
            lambda d, v: d.set_mode(member(ac.OperationMode, v)),
            "mode",
            _AC_MODES,
        ),
        Command(
            "set_target_temperature",
            lambda d, v: d.set_target_temperature(v),
            "temperature",
            (16, 23.5, 31),
        ),
        Command(
            "set_speed",
            lambda d, v: d.set_fan_speed(member(ac.FanSpeed, v)),
            "speed",
            tuple(_AC_SPEEDS.values()),
        ),
        Command("set_oscillate", lambda d, v: d.set_vertical_swing(v), "oscillate", (True, False)),
    ),
    status=lambda data, model: ac.AirConditionerMiotStatus(data),
)

# AirConditioningCompanionMcn02.status asks for these and reads the reply by position.
_MCN_KEYS = ("power", "mode", "tar_temp", "fan_level", "ver_swing", "load_power")
_MCN_MODES = {"Ventilate": "fan", "Dehumidify": "dry"}
_MCN_SPEEDS: dict[Raw, Value] = {m.value: snake(m.name) for m in mcn.FanSpeed}

_McnStatus: Any = mcn.AirConditioningCompanionStatus

COMPANION_MCN02 = Profile(
    device=mcn.AirConditioningCompanionMcn02,
    family="air_conditioner",
    models=(mcn.MODEL_ACPARTNER_MCN02,),
    source=(
        "miio/airconditioningcompanionMCN.py (AirConditioningCompanionMcn02, "
        "AirConditioningCompanionStatus, OperationMode, FanSpeed, SwingMode)"
    ),
    properties=lambda model: _MCN_KEYS,
    fields=(
        Field("power", "power", "is_on", table=ON_OFF),
        Field(
            "mode",
            "mode",
            "mode",
            table={m.value: _MCN_MODES.get(m.name, snake(m.name)) for m in mcn.OperationMode},
            note="OperationMode: wind is the family's fan mode, dry its dry mode.",
            theirs=lambda m: None if m is None else _MCN_MODES.get(m.name, snake(m.name)),
        ),
        Field("tar_temp", "target_temperature", "target_temperature", samples=(16, 25, 30)),
        Field("fan_level", "fan_speed", "fan_speed", table=_MCN_SPEEDS),
        Field(
            "ver_swing",
            "vertical_swing",
            "swing_mode",
            table=ON_OFF,
            theirs=lambda m: None if m is None else m.value == "on",
        ),
        Field(
            "load_power",
            "load_power",
            "load_power",
            note="AirConditioningCompanionStatus.load_power: whole watts.",
            theirs=lambda w: None if w is None else int(w),
            samples=(84.0, 0, 1200.0),
        ),
    ),
    commands=_ON_OFF,
    # The status container indexes the reply list itself.
    status=lambda data, model: _McnStatus([data[k] for k in _MCN_KEYS]),
)


def _state(
    power: int = 1, mode: int = 1, fan: int = 3, swing: str = "0", temp: int = 25, led: str = "0"
) -> str:
    """An AC companion state string (AirConditioningCompanionStatus reads it by position)."""
    return f"01{power}{mode}{fan}{swing}{temp:02X}{led}022222210"


_CompanionStatus: Any = companion.AirConditioningCompanionStatus
_COMPANION_MODES = {"Ventilate": "fan", "Dehumidify": "dry"}
# AirConditioningCompanionStatus.swing_mode: the Chigo remotes say C and D.
_SWING: dict[Raw, Value] = {"0": True, "1": False, "C": True, "D": False}


def _swing(mode: Any) -> Any:
    return None if mode is None else _SWING.get(mode.value)


def _configure(device: Any, **change: Any) -> Any:
    """What a python-miio user does to change one setting of an AC companion: read its
    status and send the whole configuration back, with that setting changed."""
    status = device.status()
    settings = {
        "power": companion.Power.On if status.is_on else companion.Power.Off,
        "operation_mode": status.mode,
        "target_temperature": status.target_temperature,
        "fan_speed": status.fan_speed,
        "swing_mode": status.swing_mode,
        "led": companion.Led.On if status.led else companion.Led.Off,
    }
    return device.send_configuration(status.model, **(settings | change))


def _configured(marker: str, value: Any) -> tuple[Mapping[str, Any], ...]:
    """The table's steps: read the AC model and state, send the string with `marker` set."""
    return (
        {"method": "get_model_and_state"},
        {"method": "send_cmd", "params": [{"configure": 0, marker: value}]},
    )


_COMPANION_MODE = {_COMPANION_MODES.get(m.name, snake(m.name)): m for m in companion.OperationMode}
_COMPANION_SPEED = {snake(m.name): m for m in companion.FanSpeed}
_COMPANION_SWING = {True: companion.SwingMode.On, False: companion.SwingMode.Off}
# An AC model whose remote python-miio has a template for, with [tt1]/[tt7] checksums
# ("0100010727", gree_2), and a state: on, cool, auto fan, swing on, 25 °C, LED on.
_COMPANION_AC = "010500970001072702"


def _configured_choice(
    name: str, param: str, marker: str, argument: str, members: Mapping[Any, Any]
) -> Command:
    """A command setting one send_configuration argument to python-miio's enum member
    for the parameter's value (the marker takes the member's value)."""
    return Command(
        name,
        lambda d, v: _configure(d, **{argument: members[v]}),
        param,
        tuple(members),
        steps=_configured(
            marker, {"param": param, "table": {k: m.value for k, m in members.items()}}
        ),
    )


_COMPANION_COMMANDS = (
    *_ON_OFF,
    _configured_choice("set_mode", "mode", "mo", "operation_mode", _COMPANION_MODE),
    Command(
        "set_target_temperature",
        # send_configuration formats the temperature as hex: whole degrees only.
        lambda d, v: _configure(d, target_temperature=int(v) if float(v).is_integer() else v),
        "temperature",
        (16, 25, 31),
        steps=_configured("tt", {"param": "temperature"}),
    ),
    _configured_choice("set_speed", "speed", "wi", "fan_speed", _COMPANION_SPEED),
    _configured_choice("set_oscillate", "oscillate", "sw", "swing_mode", _COMPANION_SWING),
)


COMPANION = Profile(
    device=companion.AirConditioningCompanion,
    family="air_conditioner",
    models=tuple(companion.MODELS_SUPPORTED),
    source=(
        "miio/airconditioningcompanion.py (AirConditioningCompanion, send_configuration, "
        "DEVICE_COMMAND_TEMPLATES, AirConditioningCompanionStatus, OperationMode, FanSpeed, "
        "SwingMode, Led)"
    ),
    # get_model_and_state answers [AC model, state, load]: the state is one string whose
    # characters AirConditioningCompanionStatus reads by position.
    polls=(
        Poll(
            "get_model_and_state",
            "list",
            positions=("ac_model", "state", "load_power"),
        ),
    ),
    fields=(
        Field(
            "state",
            "power",
            "is_on",
            span=(2, 3),
            base=10,
            table={1: True, 0: False},
            note="The state string: power at 2, mode 3, fan 4, swing 5, target (hex) 6-7, LED 8.",
            samples=(_state(power=1), _state(power=0)),
        ),
        Field(
            "state",
            "mode",
            "mode",
            span=(3, 4),
            base=10,
            table={
                m.value: _COMPANION_MODES.get(m.name, snake(m.name))
                for m in companion.OperationMode
            },
            theirs=lambda m: None if m is None else _COMPANION_MODES.get(m.name, snake(m.name)),
            samples=tuple(_state(mode=m.value) for m in companion.OperationMode),
        ),
        Field(
            "state",
            "fan_speed",
            "fan_speed",
            span=(4, 5),
            base=10,
            table={m.value: snake(m.name) for m in companion.FanSpeed},
            samples=tuple(_state(fan=m.value) for m in companion.FanSpeed),
        ),
        Field(
            "state",
            "vertical_swing",
            "swing_mode",
            span=(5, 6),
            table=_SWING,
            theirs=_swing,
            samples=tuple(_state(swing=str(s)) for s in _SWING),
        ),
        Field(
            "state",
            "target_temperature",
            "target_temperature",
            span=(6, 8),
            base=16,
            samples=(_state(temp=25), _state(temp=16), _state(temp=30)),
        ),
        Field(
            "state",
            "led",
            "led",
            span=(8, 9),
            table={"0": True, "A": False},
            samples=(_state(led="0"), _state(led="A")),
        ),
        Field(
            "load_power",
            "load_power",
            "load_power",
            base=10,
            note="Watts, as text.",
            samples=("807", "2", "0"),
        ),
    ),
    commands=_COMPANION_COMMANDS,
    replies={"get_model_and_state": [_COMPANION_AC, _state(swing="0"), "807"]},
    configurations={
        key: dict(template) for key, template in companion.DEVICE_COMMAND_TEMPLATES.items()
    },
    status=lambda data, model: _CompanionStatus(
        {"model_and_state": [data["ac_model"], data["state"], data["load_power"]]}
    ),
)

PROFILES = (HEATER, HEATER_MIOT, AIR_CONDITIONER, COMPANION_MCN02, COMPANION)
