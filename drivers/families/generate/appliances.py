"""Air-quality monitors, a curtain motor, pet fountains, water purifiers and a speaker."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from miio import airqualitymonitor as monitor
from miio import airqualitymonitor_miot as monitor_miot
from miio import curtain_youpin as curtain
from miio import waterpurifier, waterpurifier_yunmi, wifispeaker
from miio.integrations.petwaterdispenser import device as pet
from miio.integrations.petwaterdispenser import status as pet_status

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

_ON_OFF = (
    Command("turn_on", lambda d, v: d.on()),
    Command("turn_off", lambda d, v: d.off()),
)
_MonitorStatus: Any = monitor.AirQualityMonitorStatus
_MONITOR_SOURCE = (
    "miio/airqualitymonitor.py (AirQualityMonitor, AVAILABLE_PROPERTIES, AirQualityMonitorStatus)"
)

MONITOR_V1 = Profile(
    device=monitor.AirQualityMonitor,
    family="air_quality_monitor",
    models=(monitor.MODEL_AIRQUALITYMONITOR_V1,),
    source=_MONITOR_SOURCE,
    properties=lambda model: monitor.AVAILABLE_PROPERTIES[model],
    fields=(
        Field("power", "power", "is_on", table=ON_OFF),
        Field("aqi", "aqi", "aqi"),
        Field("battery", "battery", "battery"),
        Field("usb_state", "usb_power", "usb_power", table=ON_OFF),
        Field("time_state", "display_clock", "display_clock", table=ON_OFF),
        Field("night_state", "night_mode", "night_mode", table=ON_OFF),
    ),
    commands=_ON_OFF,
    status=lambda data, model: _MonitorStatus(data),
)

_CLIMATE_FIELDS = (
    Field("humidity", "humidity", "humidity", samples=(59.8, 0, 100)),
    Field("pm25", "pm25", "pm25", samples=(19.4, 0, 500)),
    Field("temperature", "temperature", "temperature", samples=(19.8, -5, 40)),
    Field("tvoc", "tvoc", "tvoc", samples=(1.39, 0, 254)),
)

# AirQualityMonitor.status: the B1 answers get_air_data with an object of readings.
MONITOR_B1 = Profile(
    device=monitor.AirQualityMonitor,
    family="air_quality_monitor",
    models=(monitor.MODEL_AIRQUALITYMONITOR_B1,),
    source=_MONITOR_SOURCE,
    polls=(Poll("get_air_data", "object"),),
    fields=(Field("co2e", "co2e", "co2e"), *_CLIMATE_FIELDS),
    commands=(),
    status=lambda data, model: _MonitorStatus(data),
)

# The S1 answers get_prop with an object, not a list of values.
MONITOR_S1 = Profile(
    device=monitor.AirQualityMonitor,
    family="air_quality_monitor",
    models=(monitor.MODEL_AIRQUALITYMONITOR_S1,),
    source=_MONITOR_SOURCE,
    polls=(
        Poll(
            "get_prop",
            "object",
            params=tuple(monitor.AVAILABLE_PROPERTIES[monitor.MODEL_AIRQUALITYMONITOR_S1]),
        ),
    ),
    fields=(
        Field("battery", "battery", "battery"),
        Field("co2", "co2", "co2"),
        *_CLIMATE_FIELDS,
    ),
    commands=(),
    status=lambda data, model: _MonitorStatus(data),
)

_Cgdn1Status: Any = monitor_miot.AirQualityMonitorCGDN1Status
MONITOR_CGDN1 = Profile.miot(
    device=monitor_miot.AirQualityMonitorCGDN1,
    family="air_quality_monitor",
    mappings=monitor_miot._MAPPINGS,
    source=(
        "miio/airqualitymonitor_miot.py (AirQualityMonitorCGDN1, _MAPPINGS, "
        "AirQualityMonitorCGDN1Status, ChargingState)"
    ),
    fields=(
        Field("humidity", "humidity", "humidity"),
        Field("pm25", "pm25", "pm25"),
        Field("pm10", "pm10", "pm10"),
        Field("temperature", "temperature", "temperature", samples=(24.5, -5, 40)),
        Field("co2", "co2", "co2"),
        Field("battery", "battery", "battery"),
        Field(
            "charging_state",
            "charging",
            None,
            table={0: False, 1: True, 2: False, 3: False},
            note="ChargingState: 1 charging; 0 unplugged, 2 not charging, 3 not chargeable.",
        ),
    ),
    commands=(),
    status=lambda data, model: _Cgdn1Status(data),
)

# --- curtain -------------------------------------------------------------------------

_CurtainStatus: Any = curtain.CurtainStatus
_MOTOR = {"open": curtain.MotorControl.Open, "close": curtain.MotorControl.Close}
CURTAIN = Profile.miot(
    device=curtain.CurtainMiot,
    family="curtain",
    mappings=curtain._MAPPINGS,
    source="miio/curtain_youpin.py (CurtainMiot, _MAPPINGS, CurtainStatus, MotorControl, Status)",
    fields=(
        Field("current_position", "position", "current_position"),
        Field("status", "motor_state", "status", table=enum_table(curtain.Status)),
    ),
    commands=(
        Command("open", lambda d, v: d.set_motor_control(curtain.MotorControl.Open)),
        Command("close", lambda d, v: d.set_motor_control(curtain.MotorControl.Close)),
        # MotorControl.Pause stops the motor where it is.
        Command("stop", lambda d, v: d.set_motor_control(curtain.MotorControl.Pause)),
        Command("set_position", lambda d, v: d.set_target_position(v), "position", (0, 37, 100)),
    ),
    status=lambda data, model: _CurtainStatus(data),
)

# --- pet fountains -------------------------------------------------------------------


def _days(value: Any) -> Any:
    return value.days if isinstance(value, timedelta) else value


def _minutes(value: Any) -> Any:
    return int(value.total_seconds() // 60) if isinstance(value, timedelta) else value


_PetStatus: Any = pet_status.PetWaterDispenserStatus
PET_FOUNTAIN = Profile.miot(
    device=pet.PetWaterDispenser,
    family="pet_water_dispenser",
    mappings=pet.MIOT_MAPPING,
    source=(
        "miio/integrations/petwaterdispenser/device.py and status.py (PetWaterDispenser, "
        "MIOT_MAPPING, PetWaterDispenserStatus, OperatingMode)"
    ),
    fields=(
        Field("on", "power", "is_on"),
        Field("mode", "mode", "mode", table=enum_table(pet_status.OperatingMode)),
        Field("indicator_light", "led", "is_led_on"),
        Field("fault", "fault", None),
        Field("filter_left_time", "filter_left_days", "sponge_filter_left_days", theirs=_days),
        Field("cotton_left_time", "cotton_left_days", "cotton_left_days", theirs=_days),
        Field("remain_clean_time", "clean_left_days", "before_cleaning_days", theirs=_days),
        Field(
            "no_water_flag",
            "no_water",
            "is_no_water",
            invert=True,
            note="The spec's no-water flag is true while there is water.",
        ),
        Field("no_water_time", "no_water_minutes", "no_water_minutes", theirs=_minutes),
        Field("pump_block_flag", "pump_blocked", "is_pump_blocked"),
        Field("lid_up_flag", "lid_up", "is_lid_up"),
    ),
    commands=(
        *_ON_OFF,
        Command(
            "set_mode",
            lambda d, v: d.set_mode(member(pet_status.OperatingMode, v)),
            "mode",
            choices(pet_status.OperatingMode),
        ),
    ),
    status=lambda data, model: _PetStatus(data),
)

# --- water purifiers -----------------------------------------------------------------

# WaterPurifier.status asks for these, one per request.
_PURIFIER_V2 = (
    "power", "mode", "tds", "filter1_life", "filter1_state", "filter_life", "filter_state",
    "life", "state", "level", "volume", "filter", "usage", "temperature", "uv_life",
    "uv_state", "elecval_state",
)  # fmt: skip
_WaterStatus: Any = waterpurifier.WaterPurifierStatus
WATER_PURIFIER_V2 = Profile(
    device=waterpurifier.WaterPurifier,
    family="water_purifier",
    models=("yunmi.waterpuri.v2",),
    source="miio/waterpurifier.py (WaterPurifier, WaterPurifier.status property list, WaterPurifierStatus)",
    properties=lambda model: _PURIFIER_V2,
    max_properties=1,
    fields=(
        Field("power", "power", "is_on", table=ON_OFF),
        Field("tds", "tds_out", "tds"),
        Field("filter1_life", "filter1_life_remaining", "filter_life_remaining"),
        Field("filter_life", "filter2_life_remaining", "filter2_life_remaining"),
        Field("temperature", "temperature", "temperature", samples=(21, 0, 40.5)),
        Field("uv_life", "uv_life_remaining", "uv_filter_life_remaining"),
    ),
    commands=_ON_OFF,
    status=lambda data, model: _WaterStatus(data),
)

# WaterPurifierYunmi.status: get_prop ["all"] answers every value in this order.
_YUNMI_KEYS = (
    "run_status", "f1_totalflow", "f1_totaltime", "f1_usedflow", "f1_usedtime",
    "f2_totalflow", "f2_totaltime", "f2_usedflow", "f2_usedtime", "tds_in", "tds_out",
    "rinse", "temperature", "tds_warn_thd", "f3_totalflow", "f3_totaltime", "f3_usedflow",
    "f3_usedtime",
)  # fmt: skip
_YunmiStatus: Any = waterpurifier_yunmi.WaterPurifierYunmiStatus


def _hours(value: Any) -> Any:
    return value.total_seconds() / 3600 if isinstance(value, timedelta) else value


WATER_PURIFIER_YUNMI = Profile(
    device=waterpurifier_yunmi.WaterPurifierYunmi,
    family="water_purifier",
    models=tuple(waterpurifier_yunmi.SUPPORTED_MODELS),
    source=(
        "miio/waterpurifier_yunmi.py (WaterPurifierYunmi, WaterPurifierYunmi.status property "
        "list, WaterPurifierYunmiStatus)"
    ),
    polls=(Poll("get_prop", "list", params=("all",), positions=_YUNMI_KEYS),),
    fields=(
        Field("run_status", "fault", None),
        Field("tds_in", "tds_in", "tds_in"),
        Field("tds_out", "tds_out", "tds_out"),
        Field("temperature", "temperature", "temperature"),
        *(
            Field(f"f{n}_{wire}", f"filter{n}_{ours}", f"filter{n}_life_{theirs}", theirs=_hours)
            for n in (1, 2, 3)
            for wire, ours, theirs in (
                ("usedtime", "hours_used", "used"),
                ("totaltime", "rated_hours", "total"),
            )
        ),
    ),
    commands=(),
    status=lambda data, model: _YunmiStatus(data),
)

# --- speaker -------------------------------------------------------------------------

_SpeakerStatus: Any = wifispeaker.WifiSpeakerStatus
_PLAY_STATES: dict[Raw, Value] = {m.value: snake(m.name) for m in wifispeaker.PlayState}
SPEAKER = Profile(
    device=wifispeaker.WifiSpeaker,
    family="speaker",
    models=("xiaomi.wifispeaker.v2",),
    source="miio/wifispeaker.py (WifiSpeaker, WifiSpeakerStatus, PlayState)",
    # WifiSpeaker.status: get_prop ["umi"] answers an object.
    polls=(Poll("get_prop", "object", params=("umi",)),),
    fields=(
        Field("current_state", "play_state", "state", table=_PLAY_STATES),
        Field("track_title", "track_title", "track_title", samples=("Song", "")),
        Field("track_artist", "track_artist", "track_artist", samples=("Artist", "")),
    ),
    commands=(Command("toggle", lambda d, v: d.toggle()),),
    status=lambda data, model: _SpeakerStatus(data),
)

PROFILES = (
    MONITOR_V1,
    MONITOR_B1,
    MONITOR_S1,
    MONITOR_CGDN1,
    CURTAIN,
    PET_FOUNTAIN,
    WATER_PURIFIER_V2,
    WATER_PURIFIER_YUNMI,
    SPEAKER,
)
