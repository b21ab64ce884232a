"""Every generator profile, by family group."""

from __future__ import annotations

from drivers.families.generate import (
    appliances,
    climate,
    fans,
    fresheners,
    humidifiers,
    lights,
    power,
    purifiers,
    roborock,
    vacuums,
)
from drivers.families.generate.profile import Profile

PROFILES: tuple[Profile, ...] = (
    *fans.PROFILES,
    roborock.ROBOROCK,
    *purifiers.PROFILES,
    *lights.PROFILES,
    *vacuums.PROFILES,
    *humidifiers.PROFILES,
    *climate.PROFILES,
    *power.PROFILES,
    *fresheners.PROFILES,
    *appliances.PROFILES,
)


def by_model() -> dict[str, Profile]:
    """The profile of each generated model (a model in two profiles is a mistake)."""
    out: dict[str, Profile] = {}
    for profile in PROFILES:
        for model in profile.models:
            if model in out:
                raise ValueError(
                    f"{model} is in two profiles ({out[model].source}, {profile.source})"
                )
            out[model] = profile
    return out
