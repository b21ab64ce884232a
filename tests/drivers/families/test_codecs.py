"""Wire requests per model and command, and decoding of replies that are not clean."""

from __future__ import annotations

import math
from typing import Any

import pytest

from drivers.families import (
    MIOT_MAX_PROPERTIES_PER_REQUEST,
    MiioModelMap,
    MiotModelMap,
    WireRequest,
    ZigbeeModelMap,
    builtin_catalog,
    lookup_model,
)
from hub.errors import InvalidCommand, ProtocolError
from hub.state import Invalid


def _polled(model: str) -> MiioModelMap | MiotModelMap:
    model_map = lookup_model(model)
    assert isinstance(model_map, MiioModelMap | MiotModelMap)
    return model_map


def _zigbee(model: str) -> ZigbeeModelMap:
    model_map = lookup_model(model)
    assert isinstance(model_map, ZigbeeModelMap)
    return model_map


def _set(did: str, siid: int, piid: int, value: Any) -> WireRequest:
    return WireRequest("set_properties", [{"did": did, "siid": siid, "piid": piid, "value": value}])


def _action(siid: int, aiid: int, ins: list[Any]) -> WireRequest:
    return WireRequest(
        "action", {"did": f"call-{siid}-{aiid}", "siid": siid, "aiid": aiid, "in": ins}
    )


ENCODED = [
    ("roborock.vacuum.s5", "start", {}, [WireRequest("app_start", [])]),
    ("roborock.vacuum.s5", "pause", {}, [WireRequest("app_pause", [])]),
    ("roborock.vacuum.s5", "stop", {}, [WireRequest("app_stop", [])]),
    ("roborock.vacuum.s5", "return_to_dock", {}, [WireRequest("app_charge", [])]),
    ("roborock.vacuum.s5", "locate", {}, [WireRequest("find_me", [""])]),
    (
        "roborock.vacuum.s5",
        "reset_consumable",
        {"part": "side_brush"},
        [WireRequest("reset_consumable", ["side_brush_work_time"])],
    ),
    ("roborock.vacuum.s5", "set_mode", {"mode": "gentle"}, [WireRequest("set_custom_mode", [105])]),
    ("chuangmi.plug.m1", "turn_on", {}, [WireRequest("set_power", ["on"])]),
    ("chuangmi.plug.m1", "turn_off", {}, [WireRequest("set_power", ["off"])]),
    ("zhimi.humidifier.ca4", "turn_on", {}, [_set("power", 2, 1, True)]),
    ("zhimi.humidifier.ca4", "turn_off", {}, [_set("power", 2, 1, False)]),
    (
        "zhimi.humidifier.ca4",
        "set_target_humidity",
        {"humidity": "55"},
        [_set("target_humidity", 2, 6, 55)],
    ),
    ("zhimi.humidifier.ca4", "set_mode", {"mode": "High"}, [_set("mode", 2, 5, 3)]),
    ("zhimi.airpurifier.mb3", "turn_on", {}, [_set("power", 2, 2, True)]),
    ("zhimi.airpurifier.mb3", "turn_off", {}, [_set("power", 2, 2, False)]),
    ("zhimi.airpurifier.mb3", "set_mode", {"mode": "silent"}, [_set("mode", 2, 5, 1)]),
    ("xiaomi.aircondition.mc4", "turn_on", {}, [_set("power", 2, 1, True)]),
    ("xiaomi.aircondition.mc4", "turn_off", {}, [_set("power", 2, 1, False)]),
    ("xiaomi.aircondition.mc4", "set_mode", {"mode": "dry"}, [_set("mode", 2, 2, 3)]),
    (
        "xiaomi.aircondition.mc4",
        "set_target_temperature",
        {"temperature": 26},
        [_set("target_temperature", 2, 4, 26.0)],
    ),
    ("xiaomi.wifispeaker.lx06", "wake_up", {}, [_action(5, 3, [])]),
    (
        "xiaomi.wifispeaker.lx06",
        "say",
        {"text": "Starting the vacuum"},
        [_action(5, 1, ["Starting the vacuum"])],
    ),
    ("xiaomi.wifispeaker.lx06", "play_music", {}, [_action(5, 2, [])]),
    ("xiaomi.wifispeaker.lx06", "pause", {}, [_action(3, 2, [])]),
    ("xiaomi.wifispeaker.lx06", "set_volume", {"volume": 40}, [_set("volume", 2, 1, 40)]),
]


@pytest.mark.parametrize(
    ("model", "command", "params", "expected"),
    ENCODED,
    ids=[f"{m}:{c}" for m, c, _, _ in ENCODED],
)
def test_encode_command(
    model: str, command: str, params: dict[str, Any], expected: list[WireRequest]
) -> None:
    assert _polled(model).encode_command(command, params) == expected


ZIGBEE_SETS = [
    ("ZNCLDJ11LM", "open", {}, {"state": "OPEN"}),
    ("ZNCLDJ11LM", "close", {}, {"state": "CLOSE"}),
    ("ZNCLDJ11LM", "stop", {}, {"state": "STOP"}),
    ("ZNCLDJ11LM", "set_position", {"position": 50}, {"position": 50}),
    ("ZNCLDJ11LM", "set_position", {"position": "0"}, {"position": 0}),
]


@pytest.mark.parametrize(("model", "command", "params", "expected"), ZIGBEE_SETS)
def test_encode_zigbee_set(
    model: str, command: str, params: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert _zigbee(model).encode_set(command, params) == expected


def test_every_model_command_is_covered_above() -> None:
    covered = {(m, c) for m, c, _, _ in ENCODED} | {(m, c) for m, c, _, _ in ZIGBEE_SETS}
    # Generated maps are checked command by command against python-miio in
    # test_python_miio_generated.py.
    expected = {
        (m.model, c)
        for m in builtin_catalog().models
        if getattr(m, "generator", None) is None
        for c in m.spec.command_names
    }
    assert covered == expected


def test_models_without_commands_refuse_them_clearly() -> None:
    with pytest.raises(InvalidCommand, match="climate_sensor devices take no commands"):
        _zigbee("WSDCGQ11LM").encode_set("turn_on", {})


def test_encode_validates_before_building_wire_requests() -> None:
    with pytest.raises(InvalidCommand) as info:
        _zigbee("ZNCLDJ11LM").encode_set("set_position", {"position": 150})
    assert str(info.value) == (
        "curtain command set_position: position must be a whole number from 0 to 100 %, got 150"
    )
    assert info.value.field == "position"
    with pytest.raises(InvalidCommand) as info:
        _polled("xiaomi.aircondition.mc4").encode_command(
            "set_target_temperature", {"temperature": 24.3}
        )
    assert str(info.value) == (
        "air_conditioner command set_target_temperature: temperature must be a number "
        "from 16 to 31 °C in steps of 0.5, got 24.3"
    )


def test_miot_poll_is_chunked_like_python_miio() -> None:
    purifier = _polled("zhimi.airpurifier.mb3")
    assert isinstance(purifier, MiotModelMap)
    requests = purifier.poll_requests()
    # The AQI refresh write first, then every exposed property, 15 per request.
    assert requests[0] == _set("aqi_realtime_update_duration", 13, 9, 5)
    gets = requests[1:]
    assert [r.method for r in gets] == ["get_properties", "get_properties"]
    sizes = [len(r.params) for r in gets]
    assert sizes == [MIOT_MAX_PROPERTIES_PER_REQUEST, len(purifier.polled) - 15]
    asked: list[dict[str, Any]] = []
    for request in gets:
        assert isinstance(request.params, list)
        asked.extend(request.params)
    assert asked[0] == {"did": "power", "siid": 2, "piid": 2}
    # Properties no attribute uses are not asked for.
    assert "filter_rfid_tag" not in {item["did"] for item in asked}


def test_speaker_does_not_poll_notify_only_properties() -> None:
    speaker = _polled("xiaomi.wifispeaker.lx06")
    assert speaker.poll_requests() == [
        WireRequest(
            "get_properties",
            [{"did": "volume", "siid": 2, "piid": 1}, {"did": "mute", "siid": 2, "piid": 2}],
        )
    ]


def test_miot_item_with_error_code_is_skipped_others_decoded() -> None:
    humidifier = _polled("zhimi.humidifier.ca4")
    request = humidifier.poll_requests()[0]
    reply = [
        {"did": "power", "siid": 2, "piid": 1, "code": -4001},
        {"did": "humidity", "siid": 3, "piid": 9, "code": 0, "value": 41},
        # Matched by siid/piid when the device drops the did.
        {"siid": 2, "piid": 6, "code": 0, "value": 60},
        {"did": "mode", "siid": 2, "piid": 5, "code": 0, "value": 9},
        "garbage",
        {"did": "unknown", "siid": 99, "piid": 1, "code": 0, "value": 1},
        {"did": "temperature", "siid": 3, "piid": 7, "code": 0, "value": "hot"},
    ]
    assert humidifier.decode(request, reply) == {
        "humidity": 41,
        "target_humidity": 60,
        "mode": None,  # a mode this table does not know: unknown
        "temperature": Invalid("hot", "temperature must be a number"),  # no reading at all
    }


def test_reply_of_the_wrong_shape_is_a_protocol_error() -> None:
    vacuum = _polled("roborock.vacuum.s5")
    status = vacuum.poll_requests()[0]
    with pytest.raises(ProtocolError, match=r"roborock\.vacuum\.s5: reply to get_status"):
        vacuum.decode(status, {"state": 8})
    with pytest.raises(ProtocolError):
        _polled("zhimi.humidifier.ca4").decode(WireRequest("get_properties", []), "ok")
    with pytest.raises(ProtocolError, match="not a JSON object"):
        _zigbee("WSDCGQ11LM").decode_state(["temperature", 20])


def test_command_replies_decode_to_nothing() -> None:
    vacuum = _polled("roborock.vacuum.s5")
    assert vacuum.decode(WireRequest("app_start", []), ["ok"]) == {}
    humidifier = _polled("zhimi.humidifier.ca4")
    reply = [{"did": "power", "siid": 2, "piid": 1, "code": 0}]
    assert humidifier.decode(_set("power", 2, 1, True), reply) == {}


def test_short_get_prop_reply_decodes_what_is_there() -> None:
    plug = _polled("chuangmi.plug.m1")
    assert plug.decode(plug.poll_requests()[0], ["off"]) == {"power": False}


def test_zigbee_null_and_missing_fields() -> None:
    sensor = _zigbee("RTCGQ11LM")
    # Zigbee2MQTT publishes null for values it has not received yet.
    assert sensor.decode_state({"battery": None, "occupancy": True}) == {
        "battery": None,
        "occupancy": True,
    }
    assert sensor.decode_state({}) == {}


def test_door_sensor_reports_open_as_the_inverse_of_contact() -> None:
    door = _zigbee("MCCGQ11LM")
    assert door.decode_state({"contact": False}) == {"contact": False, "open": True}
    assert door.decode_state({"contact": "yes"}) == {
        "contact": Invalid("yes", "contact must be true or false"),
        "open": Invalid("yes", "open must be true or false"),
    }


def test_curtain_unknown_motor_state_becomes_none() -> None:
    curtain = _zigbee("ZNCLDJ11LM")
    assert curtain.decode_state({"motor_state": "pause", "state": "CLOSE"}) == {
        "motor_state": None,
        "state": "closed",
    }
    assert curtain.get_payload() == {"state": ""}
    assert _zigbee("WSDCGQ11LM").get_payload() is None


def test_huge_and_non_finite_numbers_are_refused_not_stored() -> None:
    humidifier = _polled("zhimi.humidifier.ca4")
    request = humidifier.poll_requests()[0]
    reply = [
        {"did": "use_time", "siid": 2, "piid": 9, "code": 0, "value": 10**400},
        {"did": "temperature", "siid": 3, "piid": 7, "code": 0, "value": float("nan")},
        {"did": "speed_level", "siid": 2, "piid": 11, "code": 0, "value": 2**70},
        {"did": "humidity", "siid": 3, "piid": 9, "code": 0, "value": 45.0},
    ]
    decoded = humidifier.decode(request, reply)
    nan = decoded.pop("temperature")
    assert isinstance(nan, Invalid)
    assert math.isnan(nan.raw)  # type: ignore[arg-type]
    assert decoded == {
        "use_time": Invalid(10**400, "use_time must be a number of at least 0 h"),
        "motor_speed": Invalid(2**70, "motor_speed must be a whole number of at least 0 rpm"),
        "humidity": 45,
    }
