"""The miio driver's section of the hub's config: configured devices, discovery, polling."""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.config import DeviceConfig, DiscoveryConfig, HubConfig, MiotConfig, PollingConfig


@dataclass(frozen=True, slots=True)
class MiioSettings:
    """The driver's config section: configured devices, discovery and polling."""

    devices: tuple[DeviceConfig, ...] = ()
    discovery: DiscoveryConfig = field(default_factory=DiscoveryConfig)
    polling: PollingConfig = field(default_factory=PollingConfig)
    miot: MiotConfig = field(default_factory=MiotConfig)

    @classmethod
    def from_config(cls, config: HubConfig) -> MiioSettings:
        return cls(tuple(config.devices), config.discovery, config.polling, config.miot)
