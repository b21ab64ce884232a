"""Air purifiers: zhimi MIoT and legacy."""

from __future__ import annotations

from typing import Any

from miio.integrations.airpurifier.zhimi import airpurifier as legacy
from miio.integrations.airpurifier.zhimi import airpurifier_miot as miot

from drivers.families.generate.profile import (
    ON_OFF,
    Command,
    Field,
    Profile,
    choices,
    enum_table,
    member,
)

_ON_OFF = (
    Command("turn_on", lambda d, v: d.on()),
    Command("turn_off", lambda d, v: d.off()),
)
# AirPurifierMiotStatus.led_brightness / AirPurifierMiot.set_led_brightness: these
# models count brightness the other way round (value = 2 - value).
_LED_REVERSED = ("zhimi.airp.va2", "zhimi.airp.mb5", "zhimi.airp.vb4", "zhimi.airp.rmb1")


def _hours(seconds: Any) -> Any:
    return None if seconds is None else round(seconds / 3600, 2)


_MIOT_FIELDS = (
    Field("power", "power", "is_on"),
    Field("mode", "mode", "mode", table=enum_table(miot.OperationMode)),
    Field("fan_level", "fan_level", "fan_level"),
    Field("favorite_level", "favorite_level", "favorite_level"),
    Field("aqi", "aqi", "aqi"),
    Field("average_aqi", "average_aqi", "average_aqi"),
    Field("humidity", "humidity", "humidity"),
    Field("temperature", "temperature", "temperature", decimals=1, samples=(21.45, 0, 30)),
    Field("pm10_density", "pm10", "pm10_density", decimals=1, samples=(12.34, 0, 80)),
    Field("tvoc", "tvoc", "tvoc"),
    Field("filter_life_remaining", "filter_life_remaining", "filter_life_remaining"),
    Field("filter_hours_used", "filter_hours_used", "filter_hours_used"),
    Field("filter_left_time", "filter_left_days", "filter_left_time"),
    Field("motor_speed", "motor_speed", "motor_speed"),
    Field("buzzer", "buzzer", "buzzer"),
    Field("child_lock", "child_lock", "child_lock"),
    Field("led", "led", "led"),
    Field("anion", "anion", "anion"),
    Field(
        "use_time",
        "use_time",
        "use_time",
        divisor=3600,
        decimals=2,
        note="Seconds on the wire.",
        theirs=_hours,
    ),
    Field("purify_volume", "purify_volume", "purify_volume"),
)


class _MiotPurifier(Profile):
    def fields_for(self, model: str) -> tuple[Field, ...]:
        reversed_led = model in _LED_REVERSED
        led = Field(
            "led_brightness",
            "led_brightness",
            "led_brightness",
            table={
                (2 - m.value) if reversed_led else m.value: m.name.lower()
                for m in miot.LedBrightness
            },
            note="Counted the other way round on this model (2 - value)." if reversed_led else "",
        )
        return (
            *super().fields_for(model),
            *((led,) if "led_brightness" in self._mapping(model) else ()),
        )

    def _mapping(self, model: str) -> Any:
        assert self.mappings is not None
        return self.mappings[model]


MIOT = _MiotPurifier(
    device=miot.AirPurifierMiot,
    family="air_purifier",
    protocol="miot",
    # zhimi.airpurifier.mb3 has a hand-written map (with its AQI refresh write).
    models=tuple(m for m in miot._MAPPINGS if m != "zhimi.airpurifier.mb3"),
    source="miio/integrations/airpurifier/zhimi/airpurifier_miot.py (AirPurifierMiot, _MAPPINGS, AirPurifierMiotStatus, OperationMode, LedBrightness)",
    mappings=miot._MAPPINGS,
    fields=_MIOT_FIELDS,
    commands=(
        *_ON_OFF,
        Command(
            "set_mode",
            lambda d, v: d.set_mode(member(miot.OperationMode, v)),
            "mode",
            choices(miot.OperationMode),
        ),
    ),
    status=lambda data, model: miot.AirPurifierMiotStatus(data, model),
)

# AirPurifier.status: the property list it asks for, 15 at a time.
_LEGACY_PROPERTIES = [
    "power", "aqi", "average_aqi", "humidity", "temp_dec", "mode", "favorite_level",
    "filter1_life", "f1_hour_used", "use_time", "motor1_speed", "motor2_speed",
    "purify_volume", "f1_hour", "led", "led_b", "bright", "buzzer", "child_lock", "volume",
    "rfid_product_id", "rfid_tag", "act_sleep", "sleep_mode", "sleep_time",
    "sleep_data_num", "app_extra", "act_det", "button_pressed",
]  # fmt: skip

LEGACY = Profile(
    device=legacy.AirPurifier,
    family="air_purifier",
    models=tuple(legacy.SUPPORTED_MODELS),
    source="miio/integrations/airpurifier/zhimi/airpurifier.py (AirPurifier.status property list, AirPurifierStatus, OperationMode, LedBrightness)",
    properties=lambda model: _LEGACY_PROPERTIES,
    max_properties=15,
    fields=(
        Field("power", "power", "is_on", table=ON_OFF),
        Field("aqi", "aqi", "aqi"),
        Field("average_aqi", "average_aqi", "average_aqi"),
        Field("humidity", "humidity", "humidity"),
        Field(
            "temp_dec", "temperature", "temperature", divisor=10, note="Tenths of °C on the wire."
        ),
        Field("mode", "mode", "mode", table=enum_table(legacy.OperationMode)),
        Field("favorite_level", "favorite_level", "favorite_level"),
        Field("filter1_life", "filter_life_remaining", "filter_life_remaining"),
        Field("f1_hour_used", "filter_hours_used", "filter_hours_used"),
        Field(
            "use_time",
            "use_time",
            "use_time",
            divisor=3600,
            decimals=2,
            note="Seconds on the wire.",
            theirs=_hours,
        ),
        Field("motor1_speed", "motor_speed", "motor_speed"),
        Field("purify_volume", "purify_volume", "purify_volume"),
        Field("led", "led", "led", table=ON_OFF),
        Field("led_b", "led_brightness", "led_brightness", table=enum_table(legacy.LedBrightness)),
        Field("bright", "illuminance", "illuminance"),
        Field("buzzer", "buzzer", "buzzer", table=ON_OFF),
        Field("child_lock", "child_lock", "child_lock", table=ON_OFF),
    ),
    commands=(
        *_ON_OFF,
        Command(
            "set_mode",
            lambda d, v: d.set_mode(member(legacy.OperationMode, v)),
            "mode",
            choices(legacy.OperationMode),
        ),
    ),
    status=lambda data, model: legacy.AirPurifierStatus(data),
)

PROFILES = (MIOT, LEGACY)
