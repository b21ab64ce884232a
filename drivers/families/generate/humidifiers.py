"""Humidifiers (zhimi legacy, deerma mjjsq and jsqs, shuii) and the nwt dehumidifier."""

from __future__ import annotations

from typing import Any

from miio import airdehumidifier as derh
from miio.deviceinfo import DeviceInfo
from miio.integrations.humidifier.deerma import airhumidifier_jsqs as jsqs
from miio.integrations.humidifier.deerma import airhumidifier_mjjsq as mjjsq
from miio.integrations.humidifier.shuii import airhumidifier_jsq as shuii
from miio.integrations.humidifier.zhimi import airhumidifier as zhimi

from drivers.families.generate.profile import (
    ON_OFF,
    Command,
    Field,
    Poll,
    Profile,
    Raw,
    Value,
    choices,
    enum_table,
    member,
    snake,
)

# A status container's device info; nothing the maps read depends on it.
_DeviceInfo: Any = DeviceInfo
_NO_INFO = _DeviceInfo({})
# The target humidities python-miio's set_target_humidity accepts, low to high.
_TARGETS = (30, 50, 80)


def _hours(seconds: Any) -> Any:
    return None if seconds is None else round(seconds / 3600, 2)


ZHIMI = Profile(
    device=zhimi.AirHumidifier,
    family="humidifier",
    models=tuple(zhimi.SUPPORTED_MODELS),
    source=(
        "miio/integrations/humidifier/zhimi/airhumidifier.py (AirHumidifier, "
        "AVAILABLE_PROPERTIES, AirHumidifierStatus, OperationMode, LedBrightness)"
    ),
    properties=lambda model: zhimi.AVAILABLE_PROPERTIES[model],
    # AirHumidifier.status: the CA1, CB1 and CB2 answer one property per request.
    max_properties=lambda model: 15 if model == zhimi.MODEL_HUMIDIFIER_V1 else 1,
    fields=(
        Field("power", "power", "is_on", table=ON_OFF),
        Field("mode", "mode", "mode", table=enum_table(zhimi.OperationMode)),
        Field("humidity", "humidity", "humidity"),
        Field(
            "temp_dec", "temperature", "temperature", divisor=10, note="Tenths of °C on the wire."
        ),
        Field("temperature", "temperature", "temperature", decimals=1, samples=(21.4, 0, 30)),
        Field("buzzer", "buzzer", "buzzer", table=ON_OFF),
        Field("led_b", "led_brightness", "led_brightness", table=enum_table(zhimi.LedBrightness)),
        Field("child_lock", "child_lock", "child_lock", table=ON_OFF),
        Field("limit_hum", "target_humidity", "target_humidity"),
        Field("speed", "motor_speed", "motor_speed"),
        Field(
            "depth",
            "water_level",
            "water_level",
            divisor=1.2,
            valid_max=125,
            clamp=True,
            note="A full tank reads 120, an overfull one 125; 127 is no tank.",
            samples=(0, 60, 120, 125, 127, -3),
        ),
        Field("dry", "dry", "dry", table=ON_OFF),
        Field(
            "use_time",
            "use_time",
            "use_time",
            divisor=3600,
            decimals=2,
            note="Seconds on the wire.",
            theirs=_hours,
        ),
    ),
    commands=(
        Command("turn_on", lambda d, v: d.on()),
        Command("turn_off", lambda d, v: d.off()),
        Command(
            "set_target_humidity",
            lambda d, v: d.set_target_humidity(v),
            "humidity",
            _TARGETS,
        ),
        Command(
            "set_mode",
            lambda d, v: d.set_mode(member(zhimi.OperationMode, v)),
            "mode",
            choices(zhimi.OperationMode),
        ),
    ),
    status=lambda data, model: zhimi.AirHumidifierStatus(data, _NO_INFO),
)

_ONE_ZERO: dict[Raw, Value] = {1: True, 0: False}
_ZERO_ONE: dict[Raw, Value] = {0: True, 1: False}

MJJSQ = Profile.legacy(
    device=mjjsq.AirHumidifierMjjsq,
    family="humidifier",
    available=mjjsq.AVAILABLE_PROPERTIES,
    source=(
        "miio/integrations/humidifier/deerma/airhumidifier_mjjsq.py (AirHumidifierMjjsq, "
        "AVAILABLE_PROPERTIES, AirHumidifierStatus, OperationMode)"
    ),
    max_properties=1,
    fields=(
        Field("OnOff_State", "power", "is_on", table=_ONE_ZERO),
        Field("Humidifier_Gear", "mode", "mode", table=enum_table(mjjsq.OperationMode)),
        Field("TemperatureValue", "temperature", "temperature"),
        Field("Humidity_Value", "humidity", "humidity"),
        Field("HumiSet_Value", "target_humidity", "target_humidity"),
        Field("Led_State", "led", "led", table=_ONE_ZERO),
        Field("TipSound_State", "buzzer", "buzzer", table=_ONE_ZERO),
        Field("waterstatus", "no_water", "no_water", table=_ZERO_ONE),
        Field("watertankstatus", "tank_detached", "water_tank_detached", table=_ZERO_ONE),
        Field("wet_and_protect", "overwet_protect", "wet_protection", table=_ONE_ZERO),
    ),
    commands=(
        Command("turn_on", lambda d, v: d.on()),
        Command("turn_off", lambda d, v: d.off()),
        Command("set_target_humidity", lambda d, v: d.set_target_humidity(v), "humidity", _TARGETS),
        Command(
            "set_mode",
            lambda d, v: d.set_mode(member(mjjsq.OperationMode, v)),
            "mode",
            choices(mjjsq.OperationMode),
        ),
    ),
    status=lambda data, model: mjjsq.AirHumidifierStatus(data),
)

JSQS = Profile.miot(
    device=jsqs.AirHumidifierJsqs,
    family="humidifier",
    mappings=jsqs.MIOT_MAPPING,
    source=(
        "miio/integrations/humidifier/deerma/airhumidifier_jsqs.py (AirHumidifierJsqs, "
        "MIOT_MAPPING, AirHumidifierJsqsStatus, OperationMode)"
    ),
    fields=(
        Field("power", "power", "is_on"),
        Field("fault", "error_code", "error"),
        Field("mode", "mode", "mode", table=enum_table(jsqs.OperationMode)),
        Field("target_humidity", "target_humidity", "target_humidity"),
        Field("relative_humidity", "humidity", "relative_humidity"),
        Field("temperature", "temperature", "temperature", decimals=1, samples=(22.7, 0, 30)),
        Field("buzzer", "buzzer", "buzzer"),
        Field("led_light", "led", "led_light"),
        Field("water_shortage_fault", "no_water", "water_shortage_fault"),
        Field(
            "tank_filed",
            "tank_detached",
            "tank_filed",
            note="The spec's tank-filed is true when the tank is out.",
        ),
        Field("overwet_protect", "overwet_protect", "overwet_protect"),
    ),
    commands=(
        Command("turn_on", lambda d, v: d.on()),
        Command("turn_off", lambda d, v: d.off()),
        Command(
            "set_target_humidity", lambda d, v: d.set_target_humidity(v), "humidity", (40, 55, 80)
        ),
        Command(
            "set_mode",
            lambda d, v: d.set_mode(member(jsqs.OperationMode, v)),
            "mode",
            choices(jsqs.OperationMode),
        ),
    ),
    status=lambda data, model: jsqs.AirHumidifierJsqsStatus(data),
    # AirHumidifierJsqs.set_target_humidity: 40 to 80.
    limits=lambda model: {
        "target_humidity": {"min": 40},
        "set_target_humidity.humidity": {"min": 40},
    },
)

# Shuii's modes: "Intelligent" is the family's auto, the levels keep their names.
_SHUII_MODES: dict[Raw, Value] = {
    m.value: ("auto" if m is shuii.OperationMode.Intelligent else snake(m.name))
    for m in shuii.OperationMode
}
_SHUII_LED: dict[Raw, Value] = {0: "off", 1: "dim", 2: "bright"}
_SHUII_KEYS = tuple(shuii.AVAILABLE_PROPERTIES[shuii.MODEL_HUMIDIFIER_JSQ001])

SHUII = Profile(
    device=shuii.AirHumidifierJsq,
    family="humidifier",
    models=(shuii.MODEL_HUMIDIFIER_JSQ001,),
    source=(
        "miio/integrations/humidifier/shuii/airhumidifier_jsq.py (AirHumidifierJsq, "
        "AVAILABLE_PROPERTIES, AirHumidifierStatus, OperationMode, LedBrightness)"
    ),
    # AirHumidifierJsq.status: get_props answers every value, in AVAILABLE_PROPERTIES order.
    polls=(Poll("get_props", "list", positions=_SHUII_KEYS),),
    fields=(
        Field("temperature", "temperature", "temperature"),
        Field("humidity", "humidity", "humidity"),
        Field(
            "mode",
            "mode",
            "mode",
            table=_SHUII_MODES,
            theirs=lambda m: "auto" if m is shuii.OperationMode.Intelligent else snake(m.name),
        ),
        Field("buzzer", "buzzer", "buzzer", table=_ONE_ZERO),
        Field("child_lock", "child_lock", "child_lock", table=_ONE_ZERO),
        Field(
            "led_brightness",
            "led_brightness",
            "led_brightness",
            table=_SHUII_LED,
            note="LedBrightness Off, Low, High: the family's off, dim, bright.",
            theirs=lambda b: _SHUII_LED[int(b.value)],
        ),
        Field("power", "power", "is_on", table=_ONE_ZERO),
        Field("no_water", "no_water", "no_water", table=_ONE_ZERO),
        Field("lid_opened", "lid_open", "lid_opened", table=_ONE_ZERO),
    ),
    commands=(
        Command("turn_on", lambda d, v: d.on()),
        Command("turn_off", lambda d, v: d.off()),
        Command(
            "set_mode",
            lambda d, v: d.set_mode(
                shuii.OperationMode.Intelligent
                if v == "auto"
                else next(m for m in shuii.OperationMode if snake(m.name) == v)
            ),
            "mode",
            tuple(_SHUII_MODES.values()),
        ),
    ),
    status=lambda data, model: shuii.AirHumidifierStatus(data),
)

DEHUMIDIFIER = Profile.legacy(
    device=derh.AirDehumidifier,
    family="dehumidifier",
    available=derh.AVAILABLE_PROPERTIES,
    source=(
        "miio/airdehumidifier.py (AirDehumidifier, AVAILABLE_PROPERTIES, "
        "AirDehumidifierStatus, OperationMode, FanSpeed)"
    ),
    max_properties=1,
    fields=(
        Field("on_off", "power", "is_on", table=ON_OFF),
        Field("mode", "mode", "mode", table=enum_table(derh.OperationMode)),
        Field("buzzer", "buzzer", "buzzer", table=ON_OFF),
        Field("led", "led", "led", table=ON_OFF),
        Field("child_lock", "child_lock", "child_lock", table=ON_OFF),
        Field("humidity", "humidity", "humidity"),
        Field("temp", "temperature", "temperature", decimals=1, samples=(24, 0, 34.5)),
        Field("compressor_status", "compressor_on", "compressor_status", table=ON_OFF),
        Field("fan_speed", "fan_speed", "fan_speed", table=enum_table(derh.FanSpeed)),
        Field("tank_full", "tank_full", "tank_full", table=ON_OFF),
        Field("defrost_status", "defrosting", "defrost_status", table=ON_OFF),
        Field("auto", "target_humidity", "target_humidity"),
    ),
    commands=(
        Command("turn_on", lambda d, v: d.on()),
        Command("turn_off", lambda d, v: d.off()),
        Command(
            "set_target_humidity",
            lambda d, v: d.set_target_humidity(v),
            "humidity",
            (40, 50, 60),
        ),
        Command(
            "set_mode",
            lambda d, v: d.set_mode(member(derh.OperationMode, v)),
            "mode",
            choices(derh.OperationMode),
        ),
    ),
    status=lambda data, model: derh.AirDehumidifierStatus(data, _NO_INFO),
)

PROFILES = (ZHIMI, MJJSQ, JSQS, SHUII, DEHUMIDIFIER)
