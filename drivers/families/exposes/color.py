"""Colours between Zigbee2MQTT's CIE xy / hue-saturation and the hub's ``#rrggbb``.

A Zigbee light says its colour as CIE 1931 xy chromaticity (``color_xy``) or as
hue and saturation (``color_hs``); people and dashboards say ``#rrggbb``. The
hub keeps a colour as sRGB hex at full brightness (brightness is its own
attribute): xy goes through XYZ with Y = 1 and the sRGB (D65) matrix, the
brightest channel scaled to 255; hue/saturation is HSV with V = 1.
Formulas: IEC 61966-2-1 (sRGB transfer function and primaries).
"""

from __future__ import annotations

import colorsys
import re
from typing import Final

HEX_COLOR: Final = re.compile(r"^#[0-9a-fA-F]{6}$")
#: xy and hs are sent with this many decimals: finer than any Zigbee light resolves
#: (ZCL CurrentX/CurrentY are 1/65536 steps, ~5 decimals).
XY_DECIMALS: Final = 4

# sRGB (linear) -> XYZ, D65 white point, and its inverse.
_RGB_TO_XYZ: Final = (
    (0.4124, 0.3576, 0.1805),
    (0.2126, 0.7152, 0.0722),
    (0.0193, 0.1192, 0.9505),
)
_XYZ_TO_RGB: Final = (
    (3.2406, -1.5372, -0.4986),
    (-0.9689, 1.8758, 0.0415),
    (0.0557, -0.2040, 1.0570),
)


def parse_hex(color: str) -> tuple[int, int, int]:
    """``#rrggbb`` as 0..255 channels; `ValueError` saying the expected form otherwise."""
    if not HEX_COLOR.match(color):
        raise ValueError(f"a colour is written #rrggbb (six hex digits), got {color!r}")
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def to_hex(red: float, green: float, blue: float) -> str:
    """Channels in 0..1 as ``#rrggbb``."""
    return "#" + "".join(f"{round(min(max(c, 0.0), 1.0) * 255):02x}" for c in (red, green, blue))


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def _gamma(channel: float) -> float:
    return 12.92 * channel if channel <= 0.0031308 else 1.055 * channel ** (1 / 2.4) - 0.055


def hex_to_xy(color: str) -> tuple[float, float]:
    """The CIE xy chromaticity of an sRGB colour (black has none: the D65 white point)."""
    red, green, blue = (_linear(c / 255) for c in parse_hex(color))
    x, y, z = (r * red + g * green + b * blue for r, g, b in _RGB_TO_XYZ)
    total = x + y + z
    if total == 0:
        return 0.3127, 0.329
    return round(x / total, XY_DECIMALS), round(y / total, XY_DECIMALS)


def xy_to_hex(x: float, y: float) -> str:
    """The brightest sRGB colour of chromaticity xy; out-of-gamut channels are clipped."""
    if y <= 0:
        return "#000000"
    big_x, big_y, big_z = x / y, 1.0, (1 - x - y) / y
    linear = [r * big_x + g * big_y + b * big_z for r, g, b in _XYZ_TO_RGB]
    linear = [max(c, 0.0) for c in linear]
    peak = max(linear)
    if peak == 0:
        return "#000000"
    red, green, blue = (_gamma(c / peak) for c in linear)
    return to_hex(red, green, blue)


def hex_to_hs(color: str) -> tuple[float, float]:
    """Hue (0..360 degrees) and saturation (0..100 %) of an sRGB colour."""
    red, green, blue = (c / 255 for c in parse_hex(color))
    hue, saturation, _ = colorsys.rgb_to_hsv(red, green, blue)
    return round(hue * 360, 1), round(saturation * 100, 1)


def hs_to_hex(hue: float, saturation: float) -> str:
    """The brightest sRGB colour of a hue (degrees) and saturation (%)."""
    red, green, blue = colorsys.hsv_to_rgb((hue % 360) / 360, min(max(saturation, 0), 100) / 100, 1)
    return to_hex(red, green, blue)
