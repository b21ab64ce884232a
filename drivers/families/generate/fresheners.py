"""Fresh-air units and other purifiers: zhimi airfresh, dmaker airfresh, airdog."""

from __future__ import annotations

from typing import Any

from miio.integrations.airpurifier.airdog import airpurifier_airdog as airdog
from miio.integrations.airpurifier.dmaker import airfresh_t2017 as dmaker
from miio.integrations.airpurifier.zhimi import airfresh as zhimi

from drivers.families.generate.profile import (
    ON_OFF,
    Command,
    Field,
    Profile,
    Raw,
    Value,
    choices,
    enum_table,
    member,
)

_ZhimiStatus: Any = zhimi.AirFreshStatus
_DmakerStatus: Any = dmaker.AirFreshStatus
_AirdogStatus: Any = airdog.AirDogStatus


def _hours(seconds: Any) -> Any:
    return None if seconds is None else round(seconds / 3600, 2)


class _ZhimiFresh(Profile):
    def fields_for(self, model: str) -> tuple[Field, ...]:
        # AirFreshStatus.temperature: the VA4 reports °C, the VA2 tenths of °C.
        if model == zhimi.MODEL_AIRFRESH_VA4:
            temp = Field("temp_dec", "temperature", "temperature", samples=(22, 0, 35))
        else:
            temp = Field(
                "temp_dec",
                "temperature",
                "temperature",
                divisor=10,
                note="Tenths of °C on the wire.",
            )
        return (*super().fields_for(model), temp)


ZHIMI_FRESH = _ZhimiFresh.legacy(
    device=zhimi.AirFresh,
    family="air_purifier",
    available=zhimi.AVAILABLE_PROPERTIES,
    source=(
        "miio/integrations/airpurifier/zhimi/airfresh.py (AirFresh, AVAILABLE_PROPERTIES, "
        "AirFreshStatus, OperationMode, LedBrightness)"
    ),
    max_properties=15,
    fields=(
        Field("power", "power", "is_on", table=ON_OFF),
        Field("aqi", "aqi", "aqi"),
        Field("average_aqi", "average_aqi", "average_aqi"),
        Field("co2", "co2", "co2"),
        Field("buzzer", "buzzer", "buzzer", table=ON_OFF),
        Field("child_lock", "child_lock", "child_lock", table=ON_OFF),
        Field("humidity", "humidity", "humidity"),
        Field(
            "led_level", "led_brightness", "led_brightness", table=enum_table(zhimi.LedBrightness)
        ),
        Field("mode", "mode", "mode", table=enum_table(zhimi.OperationMode)),
        Field("motor1_speed", "motor_speed", "motor_speed"),
        Field(
            "use_time",
            "use_time",
            "use_time",
            divisor=3600,
            decimals=2,
            note="Seconds on the wire.",
            theirs=_hours,
        ),
        Field("f1_hour_used", "filter_hours_used", "filter_hours_used"),
        Field("filter_life", "filter_life_remaining", "filter_life_remaining"),
        Field("favorite_level", "favorite_level", None),
        Field("led", "led", "led", table=ON_OFF),
    ),
    commands=(
        Command("turn_on", lambda d, v: d.on()),
        Command("turn_off", lambda d, v: d.off()),
        Command(
            "set_mode",
            lambda d, v: d.set_mode(member(zhimi.OperationMode, v)),
            "mode",
            choices(zhimi.OperationMode),
        ),
    ),
    status=lambda data, model: _ZhimiStatus(data, model),
)


def _dmaker(device: type[Any], models: tuple[str, ...], name: str) -> Profile:
    return Profile(
        device=device,
        family="air_purifier",
        models=models,
        source=(
            f"miio/integrations/airpurifier/dmaker/airfresh_t2017.py ({name}, "
            "AVAILABLE_PROPERTIES, AirFreshStatus, OperationMode)"
        ),
        properties=lambda model: dmaker.AVAILABLE_PROPERTIES[model],
        max_properties=15,
        fields=(
            Field("power", "power", "is_on"),
            Field("mode", "mode", "mode", table=enum_table(dmaker.OperationMode)),
            Field("pm25", "aqi", "pm25"),
            Field("co2", "co2", "co2"),
            Field("temperature_outside", "temperature", "temperature", samples=(-3, 0, 21)),
            Field("child_lock", "child_lock", "child_lock"),
            Field("sound", "buzzer", "buzzer"),
            Field("display", "led", "display"),
            # The dust (intermediate) filter; the T2017's upper (efficient) filter is not mapped.
            Field("filter_rate", "filter_life_remaining", "dust_filter_life_remaining"),
            Field("filter_day", "filter_left_days", "dust_filter_life_remaining_days"),
            Field("filter_intermediate", "filter_life_remaining", "dust_filter_life_remaining"),
            Field("filter_inter_day", "filter_left_days", "dust_filter_life_remaining_days"),
        ),
        commands=(
            Command("turn_on", lambda d, v: d.on()),
            Command("turn_off", lambda d, v: d.off()),
            Command(
                "set_mode",
                lambda d, v: d.set_mode(member(dmaker.OperationMode, v)),
                "mode",
                choices(dmaker.OperationMode),
            ),
        ),
        status=lambda data, model: _DmakerStatus(data),
    )


DMAKER_A1 = _dmaker(dmaker.AirFreshA1, (dmaker.MODEL_AIRFRESH_A1,), "AirFreshA1")
DMAKER_T2017 = _dmaker(dmaker.AirFreshT2017, (dmaker.MODEL_AIRFRESH_T2017,), "AirFreshT2017")

# AirDogStatus.mode: the wire's "sleep" is python-miio's Idle.
_AIRDOG_MODES: dict[Raw, Value] = enum_table(airdog.OperationMode)
_AIRDOG_LOCK: dict[Raw, Value] = {"lock": True, "unlock": False}

AIRDOG = Profile.legacy(
    device=airdog.AirDogX3,
    family="air_purifier",
    available=airdog.AVAILABLE_PROPERTIES,
    source=(
        "miio/integrations/airpurifier/airdog/airpurifier_airdog.py (AirDogX3, "
        "AVAILABLE_PROPERTIES, AirDogStatus, OperationMode, OperationModeMapping)"
    ),
    max_properties=10,
    fields=(
        Field("power", "power", "is_on", table=ON_OFF),
        Field("mode", "mode", "mode", table=_AIRDOG_MODES),
        Field("lock", "child_lock", "child_lock", table=_AIRDOG_LOCK),
        Field("pm", "aqi", "pm25"),
        Field("hcho", "hcho", "hcho"),
    ),
    commands=(
        Command("turn_on", lambda d, v: d.on()),
        Command("turn_off", lambda d, v: d.off()),
        # set_mode_and_speed: auto and idle run at speed 1; manual starts at 1 too.
        Command(
            "set_mode",
            lambda d, v: d.set_mode_and_speed(member(airdog.OperationMode, v)),
            "mode",
            choices(airdog.OperationMode),
        ),
    ),
    status=lambda data, model: _AirdogStatus(data),
)

PROFILES = (ZHIMI_FRESH, DMAKER_A1, DMAKER_T2017, AIRDOG)
