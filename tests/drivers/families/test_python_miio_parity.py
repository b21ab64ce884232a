"""Our model tables against python-miio 0.5.12, the reference for what real devices speak.

The siid/piid numbers, enum encodings, method names and parameters must match
python-miio exactly; these tests read python-miio's own tables and drive its
device classes with a recording `send` (no network).
"""

from __future__ import annotations

import enum
import json
import re
from pathlib import Path
from typing import Any

import pytest

from drivers.families import MiioModelMap, MiotModelMap, lookup_model
from hub.maintenance.catalog import load_default_catalog
from hub.maintenance.device_parts import parts_of

miio = pytest.importorskip("miio")

from miio import airconditioner_miot, chuangmi_plug  # noqa: E402 - after the importorskip guard
from miio.integrations.airpurifier.zhimi import airpurifier_miot  # noqa: E402 - same
from miio.integrations.humidifier.zhimi import airhumidifier_miot  # noqa: E402 - same
from miio.integrations.vacuum.roborock import vacuum as roborock  # noqa: E402 - same
from miio.integrations.vacuum.roborock import vacuumcontainers  # noqa: E402 - same

PAYLOADS = Path(__file__).parents[2] / "fixtures" / "payloads"
TOKEN = "0" * 32

MIOT_MODELS = {
    "zhimi.humidifier.ca4": airhumidifier_miot._MAPPINGS,
    "zhimi.airpurifier.mb3": airpurifier_miot._MAPPINGS,
    "xiaomi.aircondition.mc4": airconditioner_miot._MAPPINGS,
}


def _snake(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _miot(model: str) -> MiotModelMap:
    model_map = lookup_model(model)
    assert isinstance(model_map, MiotModelMap)
    return model_map


def _miio(model: str) -> MiioModelMap:
    model_map = lookup_model(model)
    assert isinstance(model_map, MiioModelMap)
    return model_map


@pytest.mark.parametrize("model", sorted(MIOT_MODELS))
def test_miot_siid_piid_match_python_miio_exactly(model: str) -> None:
    assert _miot(model).mapping() == MIOT_MODELS[model][model]


def _table(model: str, key: str) -> dict[Any, Any]:
    prop = next(p for p in _miot(model).properties if p.key == key)
    assert prop.codec is not None
    return dict(prop.codec.table)


@pytest.mark.parametrize(
    ("model", "key", "python_enum"),
    [
        ("zhimi.humidifier.ca4", "mode", airhumidifier_miot.OperationMode),
        ("zhimi.humidifier.ca4", "led_brightness", airhumidifier_miot.LedBrightness),
        ("zhimi.airpurifier.mb3", "mode", airpurifier_miot.OperationMode),
        ("zhimi.airpurifier.mb3", "led_brightness", airpurifier_miot.LedBrightness),
        ("xiaomi.aircondition.mc4", "mode", airconditioner_miot.OperationMode),
        ("xiaomi.aircondition.mc4", "fan_speed", airconditioner_miot.FanSpeed),
    ],
)
def test_miot_enum_encodings_match_python_miio(
    model: str, key: str, python_enum: type[enum.Enum]
) -> None:
    expected = {m.value: m.name.lower() for m in python_enum if m.name != "Unknown"}
    assert _table(model, key) == expected


def test_roborock_state_names_are_python_miios_in_snake_case() -> None:
    table = dict(_miio("roborock.vacuum.s5").polls[0].fields[0].codec.table)
    theirs = {}
    for code in range(256):
        text = vacuumcontainers.VacuumStatus({"state": code}).state
        if not text.startswith("Definition missing"):
            theirs[code] = _snake(text)
    assert table == theirs


def test_roborock_error_texts_are_python_miios() -> None:
    error = next(
        f for f in _miio("roborock.vacuum.s5").polls[0].fields if f.codec.attribute.name == "error"
    )
    assert dict(error.codec.table) == vacuumcontainers.error_codes


def test_roborock_fan_presets_are_fanspeed_v2_used_for_the_s5() -> None:
    fan = next(f for f in _miio("roborock.vacuum.s5").polls[0].fields if f.key == "fan_power")
    assert dict(fan.codec.table) == {m.value: m.name.lower() for m in roborock.FanspeedV2}
    assert roborock.ROCKROBO_S5 == "roborock.vacuum.s5"


def test_plug_m1_polls_the_properties_python_miio_reads() -> None:
    (poll,) = _miio("chuangmi.plug.m1").polls
    assert list(poll.params) == chuangmi_plug.AVAILABLE_PROPERTIES["chuangmi.plug.m1"]
    assert poll.method == "get_prop"


# --- decoding: same values as python-miio's status containers --------------------


def _fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / name).read_text(encoding="utf-8"))
    return data


def _decode_all(model_map: MiotModelMap, result: list[dict[str, Any]]) -> dict[str, Any]:
    decoded: dict[str, Any] = {}
    by_did = {item["did"]: item for item in result}
    for request in model_map.poll_requests():
        if request.method == "get_properties":
            assert isinstance(request.params, list)
            decoded.update(model_map.decode(request, [by_did[i["did"]] for i in request.params]))
    return decoded


def _python_miio_data(result: list[dict[str, Any]]) -> dict[str, Any]:
    # What MiotDevice.status() builds from the same reply.
    return {p["did"]: p["value"] if p["code"] == 0 else None for p in result}


def test_humidifier_decode_agrees_with_python_miio_status() -> None:
    result = _fixture("zhimi.humidifier.ca4.get_properties.json")["result"]
    ours = _decode_all(_miot("zhimi.humidifier.ca4"), result)
    theirs = airhumidifier_miot.AirHumidifierMiotStatus(_python_miio_data(result))
    assert ours["power"] is theirs.is_on
    assert ours["mode"] == theirs.mode.name.lower()
    assert ours["target_humidity"] == theirs.target_humidity
    assert ours["water_level"] == theirs.water_level  # tank removed: both None
    assert ours["humidity"] == theirs.humidity
    assert ours["temperature"] == theirs.temperature
    assert ours["motor_speed"] == theirs.motor_speed
    assert theirs.led_brightness is not None
    assert ours["led_brightness"] == theirs.led_brightness.name.lower()
    assert ours["error_code"] == theirs.error
    assert ours["use_time"] == round(theirs.use_time / 3600, 2)


@pytest.mark.parametrize("raw", [0, 1, 60, 119, 120, 125, -3])
def test_humidifier_water_level_scaling_agrees_with_python_miio(raw: int) -> None:
    model_map = _miot("zhimi.humidifier.ca4")
    prop = next(p for p in model_map.properties if p.key == "water_level")
    assert prop.codec is not None
    assert (
        prop.codec.decode(raw)
        == airhumidifier_miot.AirHumidifierMiotStatus({"water_level": raw}).water_level
    )


def test_purifier_decode_agrees_with_python_miio_status() -> None:
    result = _fixture("zhimi.airpurifier.mb3.get_properties.json")["result"]
    ours = _decode_all(_miot("zhimi.airpurifier.mb3"), result)
    theirs = airpurifier_miot.AirPurifierMiotStatus(
        _python_miio_data(result), "zhimi.airpurifier.mb3"
    )
    assert ours["aqi"] == theirs.aqi
    assert ours["mode"] == theirs.mode.name.lower()
    assert ours["filter_life_remaining"] == theirs.filter_life_remaining
    assert ours["filter_hours_used"] == theirs.filter_hours_used
    assert ours["temperature"] == theirs.temperature
    assert theirs.led_brightness is not None
    assert ours["led_brightness"] == theirs.led_brightness.name.lower()
    assert ours["motor_speed"] == theirs.motor_speed


def test_air_conditioner_decode_agrees_with_python_miio_status() -> None:
    result = _fixture("xiaomi.aircondition.mc4.get_properties.json")["result"]
    ours = _decode_all(_miot("xiaomi.aircondition.mc4"), result)
    theirs = airconditioner_miot.AirConditionerMiotStatus(_python_miio_data(result))
    assert ours["power"] is theirs.is_on
    assert ours["mode"] == theirs.mode.name.lower()
    assert ours["target_temperature"] == theirs.target_temperature
    assert ours["fan_speed"] == theirs.fan_speed.name.lower()
    assert ours["temperature"] == theirs.temperature
    assert ours["running_duration"] == theirs.total_running_duration.total_seconds() / 3600


def test_vacuum_decode_agrees_with_python_miio_status() -> None:
    data = _fixture("roborock.vacuum.s6.get_status_segment.json")
    model_map = _miio("roborock.vacuum.s5")
    ours = model_map.decode(model_map.poll_requests()[0], data["result"])
    theirs = vacuumcontainers.VacuumStatus(data["result"][0])
    assert ours["state"] == _snake(theirs.state)
    assert ours["battery"] == theirs.battery
    assert ours["clean_area"] == theirs.clean_area
    assert ours["clean_time"] == theirs.clean_time.total_seconds()
    assert ours["error"] == theirs.error


def test_vacuum_consumables_agree_with_python_miio() -> None:
    data = _fixture("roborock.vacuum.s5.get_consumable.json")
    model_map = _miio("roborock.vacuum.s5")
    ours = model_map.decode(model_map.poll_requests()[1], data["result"])
    theirs = vacuumcontainers.ConsumableStatus(data["result"][0])
    assert ours["main_brush_hours"] == round(theirs.main_brush.total_seconds() / 3600, 2)
    assert ours["filter_hours"] == round(theirs.filter.total_seconds() / 3600, 2)
    # The lives are the parts catalog's (its one source), which the hub tracks them by.
    catalog = load_default_catalog()
    nominal = {
        p.part: p.life_hours
        for p in parts_of(catalog, "roborock.vacuum.s5", "vacuum", model_map.spec).values()
    }
    assert nominal["main_brush"] == theirs.main_brush_total.total_seconds() / 3600
    assert nominal["side_brush"] == theirs.side_brush_total.total_seconds() / 3600
    assert nominal["filter"] == theirs.filter_total.total_seconds() / 3600
    assert nominal["sensor"] == theirs.sensor_dirty_total.total_seconds() / 3600


def test_plug_decode_agrees_with_python_miio_status() -> None:
    model_map = _miio("chuangmi.plug.m1")
    for raw in ("on", "off"):
        ours = model_map.decode(model_map.poll_requests()[0], [raw, 32])
        theirs = chuangmi_plug.ChuangmiPlugStatus({"power": raw, "temperature": 32})
        assert ours == {"power": theirs.is_on, "temperature": float(theirs.temperature)}


# --- encoding: the same requests python-miio's device classes send -----------------


class _Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    def __call__(self, command: str, parameters: Any = None, *args: Any, **kwargs: Any) -> Any:
        self.sent.append((command, [] if parameters is None else parameters))
        return ["ok"]


def _recording(device: Any) -> _Recorder:
    recorder = _Recorder()
    device.send = recorder
    return recorder


def _ours(model: str, command: str, params: dict[str, Any] | None = None) -> list[tuple[str, Any]]:
    model_map = lookup_model(model)
    assert isinstance(model_map, MiioModelMap | MiotModelMap)
    return [(r.method, r.params) for r in model_map.encode_command(command, params or {})]


def test_humidifier_commands_match_python_miio() -> None:
    model = "zhimi.humidifier.ca4"
    device = airhumidifier_miot.AirHumidifierMiot("127.0.0.1", TOKEN, model=model)
    sent = _recording(device)
    device.on()
    device.off()
    device.set_target_humidity(55)
    device.set_mode(airhumidifier_miot.OperationMode.Mid)
    assert sent.sent == [
        *_ours(model, "turn_on"),
        *_ours(model, "turn_off"),
        *_ours(model, "set_target_humidity", {"humidity": 55}),
        *_ours(model, "set_mode", {"mode": "mid"}),
    ]


def test_purifier_commands_and_poll_prelude_match_python_miio() -> None:
    model = "zhimi.airpurifier.mb3"
    device = airpurifier_miot.AirPurifierMiot("127.0.0.1", TOKEN, model=model)
    sent = _recording(device)
    device.on()
    device.off()
    device.set_mode(airpurifier_miot.OperationMode.Favorite)
    assert sent.sent == [
        *_ours(model, "turn_on"),
        *_ours(model, "turn_off"),
        *_ours(model, "set_mode", {"mode": "favorite"}),
    ]
    sent.sent.clear()
    device.set_property("aqi_realtime_update_duration", 5)
    prelude = _miot(model).poll_requests()[0]
    assert sent.sent == [(prelude.method, prelude.params)]


def test_air_conditioner_commands_match_python_miio() -> None:
    model = "xiaomi.aircondition.mc4"
    device = airconditioner_miot.AirConditionerMiot("127.0.0.1", TOKEN, model=model)
    sent = _recording(device)
    device.on()
    device.off()
    device.set_mode(airconditioner_miot.OperationMode.Heat)
    device.set_target_temperature(24.5)
    assert sent.sent == [
        *_ours(model, "turn_on"),
        *_ours(model, "turn_off"),
        *_ours(model, "set_mode", {"mode": "heat"}),
        *_ours(model, "set_target_temperature", {"temperature": 24.5}),
    ]


def test_vacuum_commands_match_python_miio() -> None:
    model = "roborock.vacuum.s5"
    device = roborock.RoborockVacuum("127.0.0.1", TOKEN, model=model)
    sent = _recording(device)
    device.start()
    device.pause()
    device.stop()
    device.home()
    device.find()
    device.set_fan_speed(104)
    for part in roborock.Consumable:
        device.consumable_reset(part)
    parts = {
        "MainBrush": "main_brush",
        "SideBrush": "side_brush",
        "Filter": "filter",
        "SensorDirty": "sensor",
    }
    assert sent.sent == [
        *_ours(model, "start"),
        *_ours(model, "pause"),
        *_ours(model, "stop"),
        *_ours(model, "return_to_dock"),
        *_ours(model, "locate"),
        *_ours(model, "set_mode", {"mode": "turbo"}),
        *(
            request
            for part in roborock.Consumable
            for request in _ours(model, "reset_consumable", {"part": parts[part.name]})
        ),
    ]


def test_plug_commands_match_python_miio() -> None:
    model = "chuangmi.plug.m1"
    device = chuangmi_plug.ChuangmiPlug("127.0.0.1", TOKEN, model=model)
    sent = _recording(device)
    device.on()
    device.off()
    assert sent.sent == [*_ours(model, "turn_on"), *_ours(model, "turn_off")]
