"""Colour conversions: #rrggbb <-> CIE xy and hue/saturation, as lights speak them."""

from __future__ import annotations

import pytest

from drivers.families.exposes.color import hex_to_hs, hex_to_xy, hs_to_hex, parse_hex, xy_to_hex


@pytest.mark.parametrize(
    ("color", "xy"),
    [
        # sRGB primaries and D65 white (IEC 61966-2-1)
        ("#ff0000", (0.64, 0.33)),
        ("#00ff00", (0.30, 0.60)),
        ("#0000ff", (0.15, 0.06)),
        ("#ffffff", (0.3127, 0.3290)),
    ],
)
def test_primaries_have_their_standard_chromaticity(color: str, xy: tuple[float, float]) -> None:
    x, y = hex_to_xy(color)
    assert x == pytest.approx(xy[0], abs=0.002)
    assert y == pytest.approx(xy[1], abs=0.002)


@pytest.mark.parametrize(
    "color", ["#ff0000", "#00ff00", "#0000ff", "#ffffff", "#ff8800", "#33ccff"]
)
def test_xy_round_trip_keeps_the_colour_at_full_brightness(color: str) -> None:
    back = parse_hex(xy_to_hex(*hex_to_xy(color)))
    for got, want in zip(back, parse_hex(color), strict=True):
        assert abs(got - want) <= 2


@pytest.mark.parametrize("color", ["#ff0000", "#00ff00", "#0000ff", "#ff8800"])
def test_hs_round_trip(color: str) -> None:
    assert hs_to_hex(*hex_to_hs(color)) == color


def test_a_colour_not_written_as_hex_is_refused_saying_how() -> None:
    with pytest.raises(ValueError, match="#rrggbb"):
        parse_hex("red")
