"""A home whose appliances have been in use for a while: consumables part-worn.

A new home starts every part new, which is right for tests (a counter reads
exactly the wear a test caused) and wrong for a demonstration: with new parts,
the first maintenance prompt is months of simulated use away. `wear_in` sets
each vacuum's consumables and each purifier's filter to a seeded point late in
its life, the way a hub adopting a year-old home finds them, so prompts arrive
within simulated days. Lives are those of the parts catalog the hub ships
(python-miio 0.5.12 ConsumableStatus: main brush 300 h, side brush 200 h,
filter 150 h, sensors 30 h; the purifier's filter as the simulator wears it).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Final

from simulators.miio.models.purifier import FILTER_LIFE_HOURS, AirPurifier
from simulators.miio.models.vacuum import Vacuum

if TYPE_CHECKING:
    from simulators.home import VirtualHome

__all__ = ["wear_in"]

# Consumable counter -> (life in hours, share of that life already used: low, high).
VACUUM_WEAR: Final = {
    "main_brush_work_time": (300.0, (0.80, 0.90)),
    "side_brush_work_time": (200.0, (0.82, 0.92)),
    "filter_work_time": (150.0, (0.84, 0.94)),
    "sensor_dirty_time": (30.0, (0.70, 0.85)),
}
# Share of the purifier filter's life left, and how much dirtier than nominal its
# past air was (hours used = worn life / that factor).
PURIFIER_LEFT: Final = (0.12, 0.20)
PURIFIER_PAST_AIR: Final = (0.9, 1.3)


def wear_in(home: VirtualHome, rng: random.Random) -> None:
    """Part-wear every vacuum's consumables and every purifier's filter in `home`."""
    for name, device in home.miio_devices.items():
        if isinstance(device, Vacuum):
            home.apply_state(
                name,
                {
                    counter: round(life * rng.uniform(*share) * 3600)
                    for counter, (life, share) in VACUUM_WEAR.items()
                },
            )
        elif isinstance(device, AirPurifier):
            left = rng.uniform(*PURIFIER_LEFT)
            worn_hours = (1.0 - left) * FILTER_LIFE_HOURS
            home.apply_state(
                name,
                {
                    "filter_life_remaining": int(100 * left),
                    "filter_hours_used": round(worn_hours / rng.uniform(*PURIFIER_PAST_AIR)),
                },
            )
