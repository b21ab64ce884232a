"""Lights: Philips (legacy miio) and Huizuo (MIoT)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from miio import huizuo
from miio.integrations.light.philips import ceil, philips_bulb, philips_eyecare
from miio.integrations.light.philips import philips_moonlight as moonlight
from miio.integrations.light.philips import philips_rwread as rwread

from drivers.families.generate.profile import ON_OFF, PERCENT, Command, Field, Profile

_BASIC = (
    Command("turn_on", lambda d, v: d.on()),
    Command("turn_off", lambda d, v: d.off()),
    Command("set_brightness", lambda d, v: d.set_brightness(v), "brightness", PERCENT),
)


def _philips(
    device: type,
    status: type,
    models: Sequence[str],
    properties: Mapping[str, Sequence[str]],
    fields: tuple[Field, ...],
    source: str,
) -> Profile:
    return Profile(
        device=device,
        family="light",
        models=tuple(models),
        source=f"miio/integrations/light/philips/{source}",
        properties=lambda model: properties[model],
        fields=(
            Field("power", "power", "is_on", table=ON_OFF),
            Field("bright", "brightness", "brightness"),
            Field("snm", "scene", "scene"),
            *fields,
        ),
        commands=_BASIC,
        status=lambda data, model: status(data),
        # set_bright takes 1 to 100.
        limits=lambda model: {"set_brightness.brightness": {"min": 1}},
    )


_CCT = Field(
    "cct", "color_temp_level", "color_temperature", note="The lamp's own 1-100 scale, not kelvin."
)
_DV = Field(
    "dv", "delay_off_countdown", "delay_off_countdown", note="Seconds (delay_off takes seconds)."
)

_BULB_MODELS = [
    m for m in philips_bulb.AVAILABLE_PROPERTIES if m != philips_bulb.MODEL_PHILIPS_LIGHT_HBULB
]
BULB = _philips(
    philips_bulb.PhilipsBulb,
    philips_bulb.PhilipsBulbStatus,
    _BULB_MODELS,
    dict(philips_bulb.AVAILABLE_PROPERTIES),
    (_CCT, _DV),
    "philips_bulb.py (PhilipsBulb, AVAILABLE_PROPERTIES, PhilipsBulbStatus)",
)
WHITE_BULB = _philips(
    philips_bulb.PhilipsWhiteBulb,
    philips_bulb.PhilipsBulbStatus,
    [philips_bulb.MODEL_PHILIPS_LIGHT_HBULB],
    dict(philips_bulb.AVAILABLE_PROPERTIES),
    (Field("bri", "brightness", "brightness"), _DV),
    "philips_bulb.py (PhilipsWhiteBulb, AVAILABLE_PROPERTIES, PhilipsBulbStatus)",
)
CEIL = _philips(
    ceil.Ceil,
    ceil.CeilStatus,
    ceil.SUPPORTED_MODELS,
    # Ceil.status asks for these.
    dict.fromkeys(ceil.SUPPORTED_MODELS, ("power", "bright", "cct", "snm", "dv", "bl", "ac")),
    (_CCT, _DV, Field("bl", "night_light", "smart_night_light", table={1: True, 0: False})),
    "ceil.py (Ceil, Ceil.status property list, CeilStatus)",
)
EYECARE = _philips(
    philips_eyecare.PhilipsEyecare,
    philips_eyecare.PhilipsEyecareStatus,
    philips_eyecare.PhilipsEyecare._supported_models,
    # PhilipsEyecare.status asks for these.
    dict.fromkeys(
        philips_eyecare.PhilipsEyecare._supported_models,
        (
            "power",
            "bright",
            "notifystatus",
            "ambstatus",
            "ambvalue",
            "eyecare",
            "scene_num",
            "bls",
            "dvalue",
        ),
    ),
    (
        Field("scene_num", "scene", "scene"),
        Field("ambstatus", "ambient_power", "ambient", table=ON_OFF),
        Field("ambvalue", "ambient_brightness", "ambient_brightness"),
        Field("eyecare", "eyecare", "eyecare", table=ON_OFF),
        Field("bls", "night_light", "smart_night_light", table=ON_OFF),
    ),
    "philips_eyecare.py (PhilipsEyecare, PhilipsEyecare.status property list, PhilipsEyecareStatus)",
)
_MOONLIGHT_PROPERTIES = [
    "pow",
    "sta",
    "bri",
    "rgb",
    "cct",
    "snm",
    "spr",
    "spt",
    "wke",
    "bl",
    "ms",
    "mb",
    "wkp",
]
MOONLIGHT = Profile(
    device=moonlight.PhilipsMoonlight,
    family="light",
    models=tuple(moonlight.PhilipsMoonlight._supported_models),
    source="miio/integrations/light/philips/philips_moonlight.py (PhilipsMoonlight, PhilipsMoonlight.status property list, PhilipsMoonlightStatus)",
    properties=lambda model: _MOONLIGHT_PROPERTIES,
    fields=(
        Field("pow", "power", "is_on", table=ON_OFF),
        Field("bri", "brightness", "brightness"),
        _CCT,
        Field("snm", "scene", "scene"),
    ),
    commands=_BASIC,
    status=lambda data, model: moonlight.PhilipsMoonlightStatus(data),
    limits=lambda model: {"set_brightness.brightness": {"min": 1}},
)
RWREAD = _philips(
    rwread.PhilipsRwread,
    rwread.PhilipsRwreadStatus,
    list(rwread.AVAILABLE_PROPERTIES),
    dict(rwread.AVAILABLE_PROPERTIES),
    (_DV, Field("chl", "child_lock", "child_lock", table={1: True, 0: False})),
    "philips_rwread.py (PhilipsRwread, AVAILABLE_PROPERTIES, PhilipsRwreadStatus)",
)

# Huizuo.__init__ adds to the module's _MAPPING for lamps with a fan or heater;
# the basic models python-miio lists use it as written.
_HUIZUO_MAPPING = {key: dict(ids) for key, ids in huizuo._MAPPING.items()}
HUIZUO = Profile(
    device=huizuo.Huizuo,
    family="light",
    protocol="miot",
    models=tuple(huizuo.BASIC_MODELS),
    source="miio/huizuo.py (Huizuo, _MAPPING, HuizuoStatus)",
    mappings=dict.fromkeys(huizuo.BASIC_MODELS, _HUIZUO_MAPPING),
    fields=(
        Field("power", "power", "is_on"),
        Field("brightness", "brightness", "brightness"),
        Field("color_temp", "color_temp", "color_temp", samples=(3000, 4500, 6400)),
    ),
    commands=(
        *_BASIC,
        Command("set_color_temp", lambda d, v: d.set_color_temp(v), "kelvin", (3000, 4500, 6400)),
    ),
    status=lambda data, model: huizuo.HuizuoStatus(data),
    # Huizuo.set_color_temp: 3000 to 6400 K.
    limits=lambda model: {
        "color_temp": {"min": 3000, "max": 6400},
        "set_color_temp.kelvin": {"min": 3000, "max": 6400},
    },
)

PROFILES = (BULB, WHITE_BULB, CEIL, EYECARE, MOONLIGHT, RWREAD, HUIZUO)
