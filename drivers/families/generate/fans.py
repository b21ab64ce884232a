"""Fans: zhimi legacy and MIoT, dmaker P5 (legacy) and MIoT, leshow."""

from __future__ import annotations

from miio.fan_common import LedBrightness, OperationMode
from miio.integrations.fan.dmaker import fan as dmaker_p5
from miio.integrations.fan.dmaker import fan_miot as dmaker_miot
from miio.integrations.fan.leshow import fan_leshow as leshow
from miio.integrations.fan.zhimi import fan as zhimi_fan
from miio.integrations.fan.zhimi import zhimi_miot

from drivers.families.generate.profile import (
    ON_OFF,
    PERCENT,
    Command,
    Field,
    Profile,
    choices,
    enum_table,
    member,
)

_BOOL_ONOFF = (
    Command("set_oscillate", lambda d, v: d.set_oscillate(v), "oscillate", (True, False)),
)
_ON_OFF = (
    Command("turn_on", lambda d, v: d.on()),
    Command("turn_off", lambda d, v: d.off()),
)
_MODES = choices(OperationMode)

ZHIMI_LEGACY = Profile.legacy(
    device=zhimi_fan.Fan,
    family="fan",
    available=zhimi_fan.AVAILABLE_PROPERTIES,
    source="miio/integrations/fan/zhimi/fan.py (Fan, AVAILABLE_PROPERTIES, FanStatus, fan_common.LedBrightness)",
    max_properties=lambda model: _zhimi_legacy_chunk(model),
    fields=(
        Field("power", "power", "is_on", table=ON_OFF),
        Field("speed_level", "speed", "direct_speed"),
        Field("natural_level", "natural_speed", "natural_speed"),
        Field("speed", "motor_speed", "speed"),
        Field("angle_enable", "oscillate", "oscillate", table=ON_OFF),
        Field("angle", "angle", "angle"),
        Field(
            "poweroff_time",
            "delay_off_countdown",
            "delay_off_countdown",
            divisor=60,
            note="Seconds on the wire.",
            theirs=lambda s: int(s / 60),
        ),
        Field("ac_power", "ac_power", "ac_power", table=ON_OFF),
        Field("child_lock", "child_lock", "child_lock", table=ON_OFF),
        Field(
            "buzzer",
            "buzzer",
            "buzzer",
            table={"on": True, "off": False, 0: False, 1: True, 2: True},
            note="FanStatus.buzzer: 'on', 1 or 2 is on (the SA1/ZA models send 0/2).",
        ),
        Field("led_b", "led_brightness", "led_brightness", table=enum_table(LedBrightness)),
        Field("led", "led", "led", table=ON_OFF),
        Field(
            "temp_dec", "temperature", "temperature", divisor=10, note="Tenths of °C on the wire."
        ),
        Field("humidity", "humidity", "humidity"),
        Field("battery", "battery", "battery"),
        Field(
            "use_time",
            "use_time",
            "use_time",
            divisor=3600,
            decimals=2,
            note="Seconds on the wire.",
            theirs=lambda s: round(s / 3600, 2),
        ),
    ),
    commands=(
        *_ON_OFF,
        Command("set_speed", lambda d, v: d.set_direct_speed(v), "speed", PERCENT),
        *_BOOL_ONOFF,
    ),
    status=lambda data, model: zhimi_fan.FanStatus(data),
    limits=lambda model: {"set_speed.speed": {"min": 1}},
)


def _zhimi_legacy_chunk(model: str) -> int:
    # Fan.status: the SA1, ZA1, ZA3 and ZA4 answer one property per request.
    one = (
        zhimi_fan.MODEL_FAN_SA1,
        zhimi_fan.MODEL_FAN_ZA1,
        zhimi_fan.MODEL_FAN_ZA3,
        zhimi_fan.MODEL_FAN_ZA4,
    )
    return 1 if model in one else 15


_MIOT_FIELDS = (
    Field("power", "power", "is_on"),
    Field("fan_speed", "speed", "speed"),
    Field("mode", "mode", "mode", table=enum_table(dmaker_miot.OperationModeMiot)),
    Field("swing_mode", "oscillate", "oscillate"),
    Field("swing_mode_angle", "angle", "angle"),
    Field("power_off_time", "delay_off_countdown", "delay_off_countdown"),
    Field("light", "led", "led"),
    Field("buzzer", "buzzer", "buzzer"),
    Field("child_lock", "child_lock", "child_lock"),
)
_MIOT_COMMANDS = (
    *_ON_OFF,
    Command("set_speed", lambda d, v: d.set_speed(v), "speed", PERCENT),
    *_BOOL_ONOFF,
    Command("set_mode", lambda d, v: d.set_mode(member(OperationMode, v)), "mode", _MODES),
)

DMAKER_MIOT = Profile.miot(
    device=dmaker_miot.FanMiot,
    family="fan",
    mappings=dmaker_miot.MIOT_MAPPING,
    source="miio/integrations/fan/dmaker/fan_miot.py (FanMiot, MIOT_MAPPING, FanStatusMiot, OperationModeMiot)",
    fields=_MIOT_FIELDS,
    commands=_MIOT_COMMANDS,
    status=lambda data, model: dmaker_miot.FanStatusMiot(data),
    limits=lambda model: {"set_speed.speed": {"min": 1}},
)

DMAKER_1C = Profile.miot(
    device=dmaker_miot.Fan1C,
    family="fan",
    mappings=dmaker_miot.FAN1C_MAPPINGS,
    source="miio/integrations/fan/dmaker/fan_miot.py (Fan1C, FAN1C_MAPPINGS, FanStatus1C, OperationModeMiot)",
    fields=(
        *(f for f in _MIOT_FIELDS if f.key != "fan_speed"),
        Field("fan_level", "speed", "speed", note="Fan1C.set_speed: levels 1 to 3."),
    ),
    commands=(
        *_ON_OFF,
        Command("set_speed", lambda d, v: d.set_speed(v), "speed", (1, 2, 3)),
        *_BOOL_ONOFF,
        Command("set_mode", lambda d, v: d.set_mode(member(OperationMode, v)), "mode", _MODES),
    ),
    status=lambda data, model: dmaker_miot.FanStatus1C(data),
    limits=lambda model: {"speed": {"min": 1, "max": 3}, "set_speed.speed": {"min": 1, "max": 3}},
)

DMAKER_P5 = Profile.legacy(
    device=dmaker_p5.FanP5,
    family="fan",
    available=dmaker_p5.AVAILABLE_PROPERTIES,
    source="miio/integrations/fan/dmaker/fan.py (FanP5, AVAILABLE_PROPERTIES_P5, FanStatusP5, fan_common.OperationMode)",
    max_properties=15,
    fields=(
        Field("power", "power", "is_on"),
        Field("mode", "mode", "mode", table=enum_table(OperationMode)),
        Field("speed", "speed", "speed"),
        Field("roll_enable", "oscillate", "oscillate"),
        Field("roll_angle", "angle", "angle"),
        Field("time_off", "delay_off_countdown", "delay_off_countdown"),
        Field("light", "led", "led"),
        Field("beep_sound", "buzzer", "buzzer"),
        Field("child_lock", "child_lock", "child_lock"),
    ),
    commands=(
        *_ON_OFF,
        Command("set_speed", lambda d, v: d.set_speed(v), "speed", PERCENT),
        *_BOOL_ONOFF,
        Command("set_mode", lambda d, v: d.set_mode(member(OperationMode, v)), "mode", _MODES),
    ),
    status=lambda data, model: dmaker_p5.FanStatusP5(data),
    limits=lambda model: {"set_speed.speed": {"min": 1}},
)

LESHOW = Profile.legacy(
    device=leshow.FanLeshow,
    family="fan",
    available=leshow.AVAILABLE_PROPERTIES,
    source="miio/integrations/fan/leshow/fan_leshow.py (FanLeshow, AVAILABLE_PROPERTIES, FanLeshowStatus, OperationMode)",
    max_properties=15,
    fields=(
        Field("power", "power", "is_on", table={1: True, 0: False}),
        Field("mode", "mode", "mode", table=enum_table(leshow.OperationMode)),
        Field("blow", "speed", "speed"),
        Field("timer", "delay_off_countdown", "delay_off_countdown"),
        Field("sound", "buzzer", "buzzer", table={1: True, 0: False}),
        Field("yaw", "oscillate", "oscillate", table={1: True, 0: False}),
        Field("fault", "fault", "error_detected", table={1: True, 0: False}),
    ),
    commands=(
        *_ON_OFF,
        Command("set_speed", lambda d, v: d.set_speed(v), "speed", (0, 37, 100)),
        *_BOOL_ONOFF,
        Command(
            "set_mode",
            lambda d, v: d.set_mode(member(leshow.OperationMode, v)),
            "mode",
            choices(leshow.OperationMode),
        ),
    ),
    status=lambda data, model: leshow.FanLeshowStatus(data),
)

ZHIMI_MIOT = Profile.miot(
    device=zhimi_miot.FanZA5,
    family="fan",
    mappings=zhimi_miot.MIOT_MAPPING,
    source="miio/integrations/fan/zhimi/zhimi_miot.py (FanZA5, MIOT_MAPPING, FanStatusZA5, OperationModeFanZA5)",
    fields=(
        Field("power", "power", "is_on"),
        Field("fan_speed", "speed", "speed"),
        Field("fan_level", "fan_level", "fan_level"),
        Field("mode", "mode", "mode", table=enum_table(zhimi_miot.OperationModeFanZA5)),
        Field("swing_mode", "oscillate", "oscillate"),
        Field("swing_mode_angle", "angle", "angle"),
        Field(
            "power_off_time",
            "delay_off_countdown",
            "delay_off_countdown",
            divisor=60,
            note="Seconds on the wire (FanZA5.delay_off takes seconds).",
            theirs=lambda s: int(s / 60),
        ),
        Field("anion", "ionizer", "ionizer"),
        Field("child_lock", "child_lock", "child_lock"),
        Field("buzzer", "buzzer", "buzzer"),
        Field("speed_rpm", "motor_speed", "speed_rpm"),
        Field("powersupply_attached", "ac_power", "powersupply_attached"),
        Field("humidity", "humidity", "humidity"),
        Field("temperature", "temperature", "temperature"),
    ),
    commands=(
        *_ON_OFF,
        Command("set_speed", lambda d, v: d.set_speed(v), "speed", PERCENT),
        *_BOOL_ONOFF,
        Command("set_mode", lambda d, v: d.set_mode(member(OperationMode, v)), "mode", _MODES),
    ),
    status=lambda data, model: zhimi_miot.FanStatusZA5(data),
    limits=lambda model: {"set_speed.speed": {"min": 1}},
)

PROFILES = (ZHIMI_LEGACY, DMAKER_MIOT, DMAKER_1C, DMAKER_P5, LESHOW, ZHIMI_MIOT)
