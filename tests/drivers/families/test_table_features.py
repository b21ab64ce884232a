"""Model-table features for appliances whose wire is not one property per command.

Replies that are a bare list in a fixed order (Viomi's get_consumables, Shuii's
get_props), a relay bit mask (pwzn relays), and commands whose parameter picks
the MIoT property or action they write (a gang of a switch, the part to reset).
"""

from __future__ import annotations

import pytest

from drivers.families import MiioModelMap, MiotModelMap, WireRequest, lookup_model
from drivers.families.spec import AttributeSpec, ValueType
from drivers.families.wire import ValueCodec
from hub.errors import InvalidCommand, ProtocolError


def _miio(model: str) -> MiioModelMap:
    found = lookup_model(model)
    assert isinstance(found, MiioModelMap)
    return found


def _miot(model: str) -> MiotModelMap:
    found = lookup_model(model)
    assert isinstance(found, MiotModelMap)
    return found


def test_a_list_reply_is_read_by_position() -> None:
    viomi = _miio("viomi.vacuum.v8")
    request = WireRequest("get_consumables", [])
    assert request in viomi.poll_requests()
    # Hours of use: main brush, side brush, filter, mop (ViomiConsumableStatus).
    decoded = viomi.decode(request, [12, 7, 30, 4])
    assert decoded == {"main_brush_hours": 12.0, "side_brush_hours": 7.0, "filter_hours": 30.0}
    # A short reply leaves the missing positions out; a non-list is a protocol error.
    assert viomi.decode(request, [12]) == {"main_brush_hours": 12.0}
    with pytest.raises(ProtocolError, match="not a list"):
        viomi.decode(request, {"main_brush": 12})


@pytest.mark.parametrize("model", ["dreame.vacuum.p2009", "mijia.vacuum.v2"])
def test_dreame_and_g1_vacuums_are_asked_ten_properties_at_a_time(model: str) -> None:
    # python-miio's DreameVacuum and G1Vacuum status: max_properties=10, "to avoid
    # Checksum error messages from the device".
    sizes = [len(r.params) for r in _miot(model).poll_requests()]
    assert max(sizes) == 10
    assert sum(sizes) == len(_miot(model).polled)


def test_a_bit_of_a_mask_reads_one_relay() -> None:
    codec = ValueCodec(AttributeSpec("power_l4", ValueType.BOOL), bit=3)
    assert codec.decode(0b1000) is True
    assert codec.decode(0b0111) is False
    assert codec.decode(-1) is None
    assert codec.decode(True) is None
    assert codec.decode("8") is None
    with pytest.raises(LookupError, match="read-only"):
        codec.encode(True)
    with pytest.raises(ValueError, match="bool attribute"):
        ValueCodec(AttributeSpec("count", ValueType.INT), bit=1)


def test_a_parameter_picks_the_action_called() -> None:
    dreame = _miot("dreame.vacuum.p2009")
    sent = [
        dreame.encode_command("reset_consumable", {"part": p}) for p in ("filter", "side_brush")
    ]
    assert [r[0].params["siid"] for r in sent] == [11, 10]  # type: ignore[index]  # action payloads are objects
    with pytest.raises(InvalidCommand):
        dreame.encode_command("reset_consumable", {"part": "sensor"})


def test_a_gang_is_picked_by_its_endpoint_as_on_zigbee() -> None:
    dual = _miot("yeelink.switch.sw1")
    assert dual.encode_command("turn_on", {"endpoint": "l2"}) == [
        WireRequest(
            "set_properties", [{"did": "switch_2_state", "siid": 3, "piid": 1, "value": True}]
        )
    ]
    assert dual.encode_command("toggle", {"endpoint": "l1"})[0].params == [
        {"did": "toggle", "siid": 4, "piid": 5, "value": 0}
    ]
    # The endpoint is an enum of the model's own gangs and required, as the Zigbee
    # driver makes it for a switch whose every gang has an endpoint.
    endpoint = dual.spec.command("turn_off").param("endpoint")
    assert endpoint is not None
    assert (endpoint.choices, endpoint.required) == (("l1", "l2"), True)
    with pytest.raises(InvalidCommand) as refused:
        dual.encode_command("turn_off", {})
    assert refused.value.field == "endpoint"
    with pytest.raises(InvalidCommand):
        dual.encode_command("turn_on", {"endpoint": "l3"})


def test_relays_report_their_bits_and_switch_by_number() -> None:
    relay = _miio("pwzn.relay.apple")
    (poll,) = relay.poll_requests()
    decoded = relay.decode(poll, [0b1001, *([None] * (len(poll.params) - 1))])
    assert [decoded[f"power_l{n}"] for n in (1, 2, 3, 4)] == [True, False, False, True]
    assert relay.encode_command("turn_on", {"endpoint": "l16"}) == [WireRequest("power_on", [15])]


def test_a_plug_reads_its_load_from_a_second_request() -> None:
    v3 = _miio("chuangmi.plug.v3")
    requests = v3.poll_requests()
    assert WireRequest("get_power", []) in requests
    assert v3.decode(WireRequest("get_power", []), [300]) == {"load_power": 3.0}
    # Plugs without the meter are not asked.
    assert WireRequest("get_power", []) not in _miio("chuangmi.plug.v2").poll_requests()


def test_an_ac_companion_state_string_is_read_piece_by_piece() -> None:
    # lumi.acpartner.v2 as python-miio's AirConditioningCompanionStatus documents it:
    # ['010507950000257301', '011001160100002573', '807'] after set_power on.
    companion = _miio("lumi.acpartner.v2")
    (poll,) = companion.poll_requests()
    decoded = companion.decode(poll, ["010507950000257301", "011001160100002573", "807"])
    assert decoded == {
        "power": True,
        "mode": "heat",
        "fan_speed": "low",
        "vertical_swing": False,
        "target_temperature": 22.0,
        "led": True,
        "load_power": 807.0,
    }
    # A short or garbled state reads as unknown, never as an exception.
    short = companion.decode(poll, ["", "0110", "x"])
    assert short["target_temperature"] is None
    assert short["load_power"] is None
    assert short["power"] is True


def test_span_and_base_are_checked() -> None:
    temp = AttributeSpec("target_temperature", ValueType.INT)
    codec = ValueCodec(temp, span=(6, 8), base=16)
    assert codec.decode("0110011601") == 0x16
    assert codec.decode("011001ZZ01") is None
    assert codec.decode(12345678) is None
    with pytest.raises(LookupError, match="read-only"):
        codec.encode(22)
    with pytest.raises(ValueError, match="span"):
        ValueCodec(temp, span=(4, 4))
    with pytest.raises(ValueError, match="base"):
        ValueCodec(temp, base=40)
