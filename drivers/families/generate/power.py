"""Plugs, power strips, relays and switches: chuangmi, qmi/zimi, pwzn, yeelink.

A device with several channels is a `switch`; its turn_on, turn_off and toggle
take an ``endpoint`` (``l1``, ``l2``...), as the Zigbee driver names the gangs
of a multi-gang switch, and each channel reports ``power_l<n>``.
"""

from __future__ import annotations

from typing import Any

from miio import chuangmi_plug as plug
from miio import powerstrip, pwzn_relay
from miio import yeelight_dual_switch as dual

from drivers.families.generate.profile import ON_OFF, Command, Field, Poll, Profile, Raw, Value

_ON_OFF = (
    Command("turn_on", lambda d, v: d.on()),
    Command("turn_off", lambda d, v: d.off()),
)
# ChuangmiPlugStatus.power: the V1 and V3 say "on" or true.
_ON_TRUE: dict[Raw, Value] = {True: True, "on": True, False: False, "off": False}
_PLUG_FIELDS = (
    Field("on", "power", "power", table=_ON_TRUE),
    Field("power", "power", "power", table=ON_OFF),
    Field("usb_on", "usb_power", "usb_power", samples=(True, False)),
    Field("temperature", "temperature", "temperature", samples=(32, 0, 45.5)),
    Field("wifi_led", "led", "led", table=ON_OFF),
)
_PlugStatus: Any = plug.ChuangmiPlugStatus
_PLUG_SOURCE = (
    "miio/chuangmi_plug.py (ChuangmiPlug, AVAILABLE_PROPERTIES, ChuangmiPlugStatus, on/off)"
)


def _plug(models: tuple[str, ...], polls: tuple[Poll, ...] = ()) -> Profile:
    return Profile(
        device=plug.ChuangmiPlug,
        family="plug",
        models=models,
        source=_PLUG_SOURCE,
        properties=lambda model: plug.AVAILABLE_PROPERTIES[model],
        polls=polls,
        fields=(
            *_PLUG_FIELDS,
            Field(
                "load_power",
                "load_power",
                "load_power",
                divisor=100,
                note="Hundredths of a watt: ChuangmiPlug.status multiplies get_power by 0.01.",
                samples=(300, 0, 123456),
            ),
        ),
        commands=_ON_OFF,
        status=lambda data, model: _PlugStatus(
            # ChuangmiPlug.status has already scaled get_power when it builds the status.
            {
                **data,
                "load_power": None if data["load_power"] is None else data["load_power"] * 0.01,
            }
            if "load_power" in data
            else data
        ),
    )


# chuangmi.plug.m1 has a hand-written map; the V3 also answers get_power.
CHUANGMI = _plug(
    tuple(
        m
        for m in plug.AVAILABLE_PROPERTIES
        if m not in (plug.MODEL_CHUANGMI_PLUG_M1, plug.MODEL_CHUANGMI_PLUG_V3)
    )
)
CHUANGMI_V3 = _plug(
    (plug.MODEL_CHUANGMI_PLUG_V3,),
    polls=(Poll("get_power", "list", keys=("load_power",), positions=("load_power",)),),
)

_StripStatus: Any = powerstrip.PowerStripStatus
POWER_STRIP = Profile(
    device=powerstrip.PowerStrip,
    family="plug",
    models=(powerstrip.MODEL_POWER_STRIP_V1, powerstrip.MODEL_POWER_STRIP_V2),
    source="miio/powerstrip.py (PowerStrip, AVAILABLE_PROPERTIES, PowerStripStatus)",
    properties=lambda model: powerstrip.AVAILABLE_PROPERTIES[model],
    fields=(
        Field("power", "power", "is_on", table=ON_OFF),
        Field("temperature", "temperature", "temperature", samples=(48.7, 0, 60)),
        Field("current", "current", "current", samples=(0.05, 0, 10.0)),
        Field("power_consume_rate", "load_power", "load_power", samples=(4.09, 0, 2200.5)),
        Field(
            "voltage", "voltage", "voltage", divisor=100, note="Hundredths of a volt on the wire."
        ),
        Field("power_factor", "power_factor", "power_factor", samples=(0.5, 0, 1)),
        Field("wifi_led", "led", "led", table=ON_OFF),
    ),
    commands=_ON_OFF,
    status=lambda data, model: _StripStatus(data),
)

# --- multi-channel switches ----------------------------------------------------------

_RELAYS = 16
_ENDPOINTS = tuple(f"l{n + 1}" for n in range(_RELAYS))
_RelayStatus: Any = pwzn_relay.PwznRelayStatus


def _bit_of(index: int) -> Any:
    return lambda mask: None if mask is None else bool((mask >> index) & 1)


def _relay(index: int) -> Field:
    return Field(
        "relay_status",
        f"power_l{index + 1}",
        "relay_state",
        bit=index,
        note=f"Bit {index} of the relay mask is relay {index} (endpoint l{index + 1}).",
        theirs=_bit_of(index),
        samples=(0, 9, 65535, 1 << index),
    )


PWZN_RELAY = Profile.legacy(
    device=pwzn_relay.PwznRelay,
    family="switch",
    available=pwzn_relay.AVAILABLE_PROPERTIES,
    source="miio/pwzn_relay.py (PwznRelay, AVAILABLE_PROPERTIES, PwznRelayStatus, relay_on/relay_off)",
    fields=tuple(_relay(i) for i in range(_RELAYS)),
    commands=(
        Command("turn_on", lambda d, v: d.relay_on(_ENDPOINTS.index(v)), "endpoint", _ENDPOINTS),
        Command("turn_off", lambda d, v: d.relay_off(_ENDPOINTS.index(v)), "endpoint", _ENDPOINTS),
    ),
    status=lambda data, model: _RelayStatus(data),
)

_GANGS = {"l1": dual.Switch.First, "l2": dual.Switch.Second}
_DualStatus: Any = dual.DualControlModuleStatus

# YeelightDualControlModule.status sends its MIoT property items with get_prop (a
# python-miio 0.5.12 slip: MIoT devices answer get_properties); the map asks with
# get_properties like every MIoT map.
YEELIGHT_DUAL = Profile.miot(
    device=dual.YeelightDualControlModule,
    family="switch",
    mappings=dual._MAPPINGS,
    source=(
        "miio/yeelight_dual_switch.py (YeelightDualControlModule, _MAPPINGS, "
        "DualControlModuleStatus, Switch)"
    ),
    fields=(
        Field("switch_1_state", "power_l1", "switch_1_state"),
        Field("switch_2_state", "power_l2", "switch_2_state"),
        Field("interlock", "interlock", "interlock"),
    ),
    commands=(
        Command("turn_on", lambda d, v: d.on(_GANGS[v]), "endpoint", tuple(_GANGS)),
        Command("turn_off", lambda d, v: d.off(_GANGS[v]), "endpoint", tuple(_GANGS)),
        Command("toggle", lambda d, v: d.toggle(_GANGS[v]), "endpoint", tuple(_GANGS)),
    ),
    status=lambda data, model: _DualStatus(data),
)

PROFILES = (CHUANGMI, CHUANGMI_V3, POWER_STRIP, PWZN_RELAY, YEELIGHT_DUAL)
