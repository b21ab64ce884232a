"""The miio driver: the hub's component and driver for every miio device.

`MiioDriver` is what the hub, the API and the CLI hold. It starts and stops
the parts that do the work, one job each, beside it in this package:

- `adoption`: contacting a device, learning its id and model, registering it;
  with retries in the background; at start, the configured and remembered
  devices;
- `discovery`: hello sweeps and mDNS, and what to do with each device found;
- `polling`: each adopted device's polls, and what they change in the hub;
- `commands`: a command, then the re-read of the device's state;
- `removals`: removing a device at a person's word, and readmitting it;
- `model_maps`: which map serves a model.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

from drivers.families import Catalog
from drivers.miio.adoption import Adopter, Adoption
from drivers.miio.codec import MIIO_PORT
from drivers.miio.commands import send_command
from drivers.miio.discovery import Discovered, MiioDiscovery
from drivers.miio.model_maps import ModelMaps
from drivers.miio.polling import DevicePolls, Tracked
from drivers.miio.removals import DeviceRemoval, RemovedDevices
from drivers.miio.settings import MiioSettings
from drivers.miio.spec_directory import SpecDirectory
from drivers.miio.transport import HELLO_TIMEOUT, MiioTransport
from hub.config import DiscoveryConfig
from hub.driver_context import ComponentKey, DriverContext, RemovedDevice
from hub.registry import Device
from hub.tasks import TaskOwner

if TYPE_CHECKING:
    from hub.runtime import Hub

__all__ = ["MIIO", "Adoption", "MiioDriver", "MiioSettings", "install_miio", "miio_context"]

_LOGGER = logging.getLogger(__name__)


class MiioDriver:
    """Component and driver for every miio device of one hub."""

    name = "miio"
    transport = "miio"

    def __init__(
        self,
        ctx: DriverContext[MiioSettings],
        *,
        transport: MiioTransport | None = None,
        catalog: Catalog | None = None,
        port: int = MIIO_PORT,
    ) -> None:
        self._ctx = ctx
        self._config = ctx.config
        self._owns_transport = transport is None
        self.miio = transport or MiioTransport(clock=ctx.clock)
        self.catalog = catalog or ctx.specs.catalog
        self.port = port
        # Devices a person removed: discovery does not adopt them again.
        self._removed = RemovedDevices(ctx.discovery)
        self._tasks = TaskOwner("miio", logger=_LOGGER)
        # Spec files for models no map knows (miot.spec_dir, default <data dir>/miot-specs).
        self.specs = SpecDirectory(
            ctx.config.miot.spec_dir or ctx.data_dir / "miot-specs", self.catalog
        )
        models = ModelMaps(self.catalog, self.specs, ctx.specs)
        self._polls = DevicePolls(ctx, self.miio, models)
        self._adopter = Adopter(
            ctx,
            miio=self.miio,
            port=port,
            polls=self._polls,
            models=models,
            removed=self._removed,
            tasks=self._tasks,
        )
        self._discovery = MiioDiscovery(
            ctx=ctx,
            miio=self.miio,
            port=port,
            polls=self._polls,
            adopter=self._adopter,
            removed=self._removed,
        )
        self._removal = DeviceRemoval(
            ctx=ctx, miio=self.miio, polls=self._polls, adopter=self._adopter, removed=self._removed
        )

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        if self._owns_transport:
            await self.miio.start()
        await self._removed.load()
        await self._adopter.adopt_known()
        if await self.sweep_targets() or self._config.discovery.mdns:
            self._tasks.spawn(self._discovery.discover_periodically(), name="miio-discovery")

    async def stop(self) -> None:
        await self._tasks.stop()
        await self._polls.stop()
        if self._owns_transport:
            await self.miio.close()

    @property
    def settings(self) -> DiscoveryConfig:
        """The discovery settings this driver sweeps with."""
        return self._config.discovery

    @property
    def tracked(self) -> list[str]:
        """Ids of the devices being polled."""
        return self._polls.ids

    # -- discovery ---------------------------------------------------------------------------

    async def sweep_targets(self) -> list[str]:
        """The configured targets and those `mihub discover --target` remembered."""
        return await self._discovery.sweep_targets()

    async def discover(
        self,
        targets: Iterable[str],
        *,
        timeout: float = HELLO_TIMEOUT,
        adopt: bool = True,
        mdns_window: float | None = None,
    ) -> list[Discovered]:
        """Sweep the targets with hello (and browse mDNS for `mdns_window` seconds);
        adopt, or re-address, every device whose token is known."""
        return await self._discovery.discover(
            targets, timeout=timeout, adopt=adopt, mdns_window=mdns_window
        )

    # -- adoption ---------------------------------------------------------------------------

    def adopt_soon(self, adoption: Adoption) -> None:
        """Adopt in the background, retrying with backoff while the device is silent."""
        self._adopter.adopt_soon(adoption)

    async def adopt(self, adoption: Adoption) -> Device:
        """Contact a device, learn its id and model, register it and start polling it."""
        return await self._adopter.adopt(adoption)

    def token_changed(self, device: Device, token: str) -> None:
        """A person set a new token: reconnect with it (and re-read the model)."""
        if device.address is not None:
            self.adopt_soon(Adoption(device.address, token, name=device.name, room=device.room))

    # -- removal -----------------------------------------------------------------------------

    def readmit(self, token_key: str) -> RemovedDevice | None:
        """A person gave a token for the device `token_key` names: if they had removed it,
        it may be adopted again. Returns the removed device (with its last address)."""
        return self._removal.readmit(token_key)

    def forget(self, device: Device) -> None:
        """Let go of a device a person removes: polling and adoption stop, its connection
        closes, its token is deleted, and discovery does not adopt it again.
        `DeviceNotRemovable` while the config lists it."""
        self._removal.forget(device)

    @property
    def removed(self) -> list[RemovedDevice]:
        """Devices a person removed, which discovery leaves alone."""
        return self._removed.devices

    # -- polling and commands -----------------------------------------------------------

    async def poll_once(self, tracked: Tracked) -> dict[str, Any]:
        """Every attribute the model reports, read now (None values dropped)."""
        return await self._polls.poll_once(tracked)

    async def call(
        self, device: Device, command: str, params: dict[str, Any], timeout: float
    ) -> Any:
        return await send_command(self._polls, device, command, params, timeout)


#: The miio driver as a hub component: ``hub.component(MIIO)``.
MIIO: Final = ComponentKey("miio", MiioDriver)


def install_miio(
    hub: Hub,
    *,
    transport: MiioTransport | None = None,
    catalog: Catalog | None = None,
    port: int = MIIO_PORT,
) -> MiioDriver:
    """Add a miio driver to `hub` (as its miio component and driver), configured from it."""
    driver = MiioDriver(miio_context(hub), transport=transport, catalog=catalog, port=port)
    hub.add_driver(driver, MIIO)
    return driver


def miio_context(hub: Hub) -> DriverContext[MiioSettings]:
    """The context a miio driver of `hub` works in, configured from the hub's config."""
    return hub.driver_context(MiioSettings.from_config(hub.config))
