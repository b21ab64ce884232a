"""The miio driver: the hub's component for every miio device.

`MiioDriver` is what the hub and its users hold; the work is done by the
modules beside it, one job each: `polling` (each adopted device's polls and
what they change in the hub), `commands` (a command, then the read-back of the
device's state), `model_maps` (which map serves a model). The driver starts
and stops them and adopts, discovers and removes devices.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from drivers.families import Catalog
from drivers.miio.codec import MIIO_PORT, parse_token
from drivers.miio.commands import send_command
from drivers.miio.discovery import Discovered, expand_targets
from drivers.miio.model_maps import ModelMaps
from drivers.miio.polling import DevicePolls, Tracked
from drivers.miio.removals import RemovedDevices
from drivers.miio.settings import MiioSettings
from drivers.miio.spec_directory import SpecDirectory
from drivers.miio.transport import HELLO_TIMEOUT, MiioTransport
from hub.config import DiscoveryConfig
from hub.driver_context import ComponentKey, DriverContext
from hub.errors import (
    AuthenticationFailed,
    DeviceNotRemovable,
    DeviceTimeout,
    DeviceWasRemoved,
    HubError,
)
from hub.events import DeviceStatus
from hub.registry import Device
from hub.storage.store import RemovedDevice
from hub.tasks import TaskOwner
from hub.token_file import missing_token_reason, read_token_file, token_keys

if TYPE_CHECKING:
    from hub.runtime import Hub

__all__ = ["MIIO", "Adoption", "MiioDriver", "MiioSettings", "install_miio", "miio_context"]

_LOGGER = logging.getLogger(__name__)

#: Reading miIO.info when adopting a device.
INFO_TIMEOUT: Final = 5.0
#: Background adoptions (hello, then miIO.info) running at once. Adopting 500
#: known devices all together at start put every handshake, and right after
#: every first poll's state changes, in flight at once: ~3 MB of allocator
#: high-water the process kept (benchmarks/state_fanout.py on an idle machine,
#: 82.2 -> 78.9 MB). Adoption stays well under a second of work; a silent
#: device holds its slot for one hello (2.5 s).
MAX_CONCURRENT_ADOPTIONS: Final = 32


@dataclass(frozen=True, slots=True)
class Adoption:
    """A device the driver knows the token of, waiting to be (re)contacted."""

    address: str
    token: str
    name: str | None = None
    room: str | None = None
    model: str | None = None
    #: Adopt it even if a person removed it: they listed it in the config or gave its
    #: token again. Discovery's own adoptions leave a removed device alone.
    readmit: bool = False


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
        self._adopting = asyncio.Semaphore(MAX_CONCURRENT_ADOPTIONS)
        self._models = ModelMaps(self.catalog, self.specs, ctx.specs)
        self._polls = DevicePolls(ctx, self.miio, self._models)

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        if self._owns_transport:
            await self.miio.start()
        await self._removed.load()
        await self._import_token_file()
        for entry in self._config.devices:
            self.adopt_soon(
                Adoption(
                    entry.address,
                    entry.token.get_secret_value(),
                    name=entry.name,
                    room=entry.room,
                    model=entry.model,
                    readmit=True,  # the config names it: the person wants it
                )
            )
        # Devices remembered from earlier runs (or found by `mihub discover`): adopted
        # when their token is known, else they say what is missing.
        for device in self._ctx.registry:
            if device.transport != "miio" or device.address is None:
                continue
            token = await self._ctx.tokens.token_for(*token_keys(device.id, device.address))
            if token is not None and device.id not in self._polls:
                self.adopt_soon(Adoption(device.address, token, model=None))
            elif token is None:
                self._ctx.registry.set_availability(
                    device.id, DeviceStatus.UNKNOWN, missing_token_reason(device.name)
                )
        if await self.sweep_targets() or self._config.discovery.mdns:
            self._spawn(self._discover_periodically(), "miio-discovery")

    async def sweep_targets(self) -> list[str]:
        """The configured targets and those `mihub discover --target` remembered."""
        targets = list(self._config.discovery.targets)
        if self._ctx.discovery is not None:
            targets += [
                t for t in await self._ctx.discovery.discovery_targets() if t not in targets
            ]
        return targets

    async def _import_token_file(self) -> None:
        path = self._config.discovery.tokens_file
        if path is None:
            return
        entries = await asyncio.to_thread(read_token_file, path)
        removed = 0
        for entry in entries:
            # Read at every start: a device removed since keeps out until its token is
            # given again by hand (`mihub token import`), or the file loses its entry.
            if self._removed.by_token_key(entry.key) is not None:
                removed += 1
                continue
            await self._ctx.tokens.set_token(
                entry.key, entry.token, name=entry.name, room=entry.room, at=self._ctx.clock.time()
            )
        _LOGGER.info("%d device tokens read from %s", len(entries) - removed, path)
        if removed:
            _LOGGER.info(
                "%d entries of %s are for devices removed from this hub; not imported",
                removed,
                path,
            )

    async def _discover_periodically(self) -> None:
        settings = self._config.discovery
        while True:
            try:
                found = await self.discover(
                    await self.sweep_targets(),
                    timeout=settings.hello_timeout,
                    mdns_window=settings.mdns_window if settings.mdns else None,
                )
            except (OSError, ValueError) as err:
                _LOGGER.warning("discovery sweep failed: %s", err)
            else:
                _LOGGER.info("discovery: %d miio devices answered", len(found))
            await self._ctx.clock.sleep(settings.interval)

    async def stop(self) -> None:
        await self._tasks.stop()
        await self._polls.stop()
        if self._owns_transport:
            await self.miio.close()

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        return self._tasks.spawn(coro, name=name)

    @property
    def settings(self) -> DiscoveryConfig:
        """The discovery settings this driver sweeps with."""
        return self._config.discovery

    @property
    def tracked(self) -> list[str]:
        """Ids of the devices being polled."""
        return self._polls.ids

    # -- discovery ---------------------------------------------------------------------------

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
        sightings: dict[str, tuple[int, str]] = {}
        targets = list(targets)
        hosts = expand_targets(targets)
        if adopt and targets and self._ctx.discovery is not None:
            await self._ctx.discovery.remember_discovery_targets(targets, at=self._ctx.clock.time())
        if hosts:
            for reply in await self.miio.sweep(hosts, port=self.port, timeout=timeout):
                sightings[reply.host] = (reply.device_id, "sweep")
        if mdns_window:
            from drivers.miio.mdns import browse  # zeroconf only when browsing

            interfaces = self._config.discovery.mdns_interfaces or None
            for seen in await browse(mdns_window, interfaces=interfaces):
                sightings.setdefault(seen.address, (seen.did, "mdns"))
        return [
            await self._sighted(host, did, source, adopt=adopt)
            for host, (did, source) in sightings.items()
        ]

    async def _sighted(self, host: str, did: int, source: str, *, adopt: bool) -> Discovered:
        device_id = f"miio:{did}"
        removed = self._removed.get(device_id)
        if removed is not None and self._ctx.registry.find(device_id) is None:
            # A person removed it: it answers, but stays out (see `readmit`).
            return Discovered(
                address=host,
                did=did,
                source=source,
                token_known=False,
                already_added=False,
                device_id=device_id,
                name=removed.name,
                removed=True,
            )
        known = self._ctx.registry.find(device_id)
        token, name, room = await self._token_for(device_id, host)
        if (
            adopt
            and token is not None
            and (known is None or known.address != host or device_id not in self._polls)
        ):
            try:
                known = await self.adopt(Adoption(host, token, name=name, room=room))
            except HubError as err:
                _LOGGER.warning("found %s at %s but cannot adopt it: %s", device_id, host, err)
                known = self._ctx.registry.find(device_id)
        elif adopt and token is None:
            known = self._remember_sighting(device_id, host, did, name, room)
        return Discovered(
            address=host,
            did=did,
            source=source,
            token_known=token is not None,
            already_added=known is not None,
            device_id=device_id,
            name=known.name if known else name,
            model=known.model if known else None,
            status=str(known.status) if known else None,
        )

    def _remember_sighting(
        self, device_id: str, host: str, did: int, name: str | None, room: str | None
    ) -> Device:
        """A device found without a token: known from now on (by address and did), so
        `mihub devices` lists it with what is missing and a token adopts it."""
        registry = self._ctx.registry
        known = registry.find(device_id)
        if known is None:
            known = registry.add(
                Device(
                    id=device_id,
                    name=registry.unique_name(name or f"miio_{did}"),
                    family="generic",
                    model="unknown",
                    transport="miio",
                    address=host,
                    room=room,
                )
            )
        elif known.address != host:
            known = registry.update(device_id, address=host)
        return registry.set_availability(
            device_id, DeviceStatus.UNKNOWN, missing_token_reason(known.name)
        )

    async def _token_for(
        self, device_id: str, address: str
    ) -> tuple[str | None, str | None, str | None]:
        """A stored token for this device, with the name and room it was imported with."""
        for configured in self._config.devices:
            if configured.address == address:
                return configured.token.get_secret_value(), configured.name, configured.room
        by_key = {stored.key: stored for stored in await self._ctx.tokens.tokens()}
        for key in token_keys(device_id, address):
            found = by_key.get(key)
            if found is not None:
                return found.token, found.name, found.room
        return None, None, None

    # -- adoption ---------------------------------------------------------------------------

    def adopt_soon(self, adoption: Adoption) -> None:
        """Adopt in the background, retrying with backoff while the device is silent."""
        self._spawn(self._adopt_until_done(adoption), f"miio-adopt-{adoption.address}")

    async def _adopt_until_done(self, adoption: Adoption) -> None:
        delay = min(5.0, self._config.polling.max_backoff)
        while True:
            try:
                async with self._adopting:
                    await self.adopt(adoption)
            except DeviceWasRemoved as err:
                _LOGGER.info("not adopting %s: %s", adoption.address, err.message)
                return
            except DeviceTimeout:
                _LOGGER.info("%s does not answer hello; retrying in %.0fs", adoption.address, delay)
            except HubError as err:
                _LOGGER.warning("cannot adopt %s: %s", adoption.address, err)
            else:
                return
            await self._ctx.clock.sleep(delay)
            delay = min(delay * 2, self._config.polling.max_backoff)

    async def adopt(self, adoption: Adoption) -> Device:
        """Contact a device, learn its id and model, register it and start polling it."""
        token = parse_token(adoption.token)
        connection = self.miio.connection(
            adoption.address, token, port=self.port, name=adoption.name
        )
        hello = await connection.handshake()
        device_id = f"miio:{hello.device_id}"
        self._check_not_removed(device_id, adoption)
        registry = self._ctx.registry
        known = registry.find(device_id)
        try:
            info = await connection.info(timeout=INFO_TIMEOUT)
        except (AuthenticationFailed, DeviceTimeout) as err:
            self._check_not_removed(device_id, adoption)  # removed while it was asked
            # It answered hello a moment ago: silence to a request right after
            # means the request did not decrypt on the device (wrong token).
            reason = (
                str(err.message)
                if isinstance(err, AuthenticationFailed)
                else "answers hello but not requests: the token is probably wrong"
            )
            device = known or registry.add(
                Device(
                    id=device_id,
                    name=registry.unique_name(adoption.name or f"miio_{hello.device_id}"),
                    family="generic",
                    model=adoption.model or "unknown",
                    transport="miio",
                    address=adoption.address,
                    room=adoption.room,
                )
            )
            registry.set_availability(device.id, DeviceStatus.AUTH_FAILED, reason)
            await self._remember_token(device_id, adoption)
            raise AuthenticationFailed(device.name, reason) from None
        model = str(info.get("model") or adoption.model or "unknown")
        model_map = await self._models.map_for(model)
        self._check_not_removed(device_id, adoption)  # no await from here to registering
        family = model_map.family if model_map is not None else "generic"
        fields: dict[str, Any] = {
            "model": model,
            "family": family,
            "address": adoption.address,
            "firmware": info.get("fw_ver"),
        }
        if known is None:
            device = registry.add(
                Device(
                    id=device_id,
                    name=registry.unique_name(adoption.name or f"{family}_{hello.device_id}"),
                    transport="miio",
                    room=adoption.room,
                    **fields,
                )
            )
        else:
            if adoption.room and not known.room:
                fields["room"] = adoption.room
            device = registry.update(device_id, **fields)
        self._models.assign(device_id, model_map)
        # Tracked before it is announced available: a command sent the moment the
        # device shows up must find its connection.
        self._polls.track(device_id, connection, model_map)
        status = DeviceStatus.OK if model_map is not None else DeviceStatus.UNSUPPORTED_MODEL
        registry.set_availability(device_id, status)
        await self._remember_token(device_id, adoption)
        _LOGGER.info("adopted %s (%s, %s) at %s", device.name, model, device_id, adoption.address)
        return registry.get(device_id)

    def _check_not_removed(self, device_id: str, adoption: Adoption) -> None:
        """`DeviceWasRemoved` for a device a person removed, unless this adoption readmits it."""
        removed = self._removed.get(device_id)
        if removed is None:
            return
        if not adoption.readmit:
            raise DeviceWasRemoved(device_id, removed.name)
        self._removed.readmit(device_id, "asked for by the config or a token given again")

    def readmit(self, token_key: str) -> RemovedDevice | None:
        """A person gave a token for the device `token_key` names: if they had removed it,
        it may be adopted again. Returns the removed device (with its last address)."""
        removed = self._removed.by_token_key(token_key)
        if removed is None:
            return None
        return self._removed.readmit(removed.id, "its token was given")

    def forget(self, device: Device) -> None:
        """Let go of a device a person removes: polling and adoption stop, its connection
        closes, its token is deleted, and discovery does not adopt it again.

        A device the config lists cannot be removed while it does (it would be back at
        the next start): `DeviceNotRemovable` says so, and nothing changes.
        """
        configured = [d for d in self._config.devices if d.address == device.address]
        if device.address is not None and configured:
            raise DeviceNotRemovable(
                device.name,
                f"the config lists it (devices: address {device.address})",
                hint="delete its entry under devices: in the config file, then remove it",
            )
        tracked = self._polls.discard(device.id)
        addresses = {device.address} if device.address else set()
        if tracked is not None:
            host, port = tracked.connection.address
            addresses.add(host)
            self.miio.forget(host, port=port)  # a call waiting on it fails as unavailable
        for task in self._tasks.tasks:
            if task.get_name() in {f"miio-adopt-{a}" for a in addresses}:
                task.cancel()  # a retrying adoption would bring it back
        self._removed.add(
            RemovedDevice(device.id, device.name, device.address, self._ctx.clock.time())
        )
        self._ctx.tokens.delete_tokens(token_keys(device.id, device.address))
        self._ctx.specs.forget(device.id)
        _LOGGER.info(
            "%s (%s) removed: no longer polled; its token is deleted", device.name, device.id
        )

    @property
    def removed(self) -> list[RemovedDevice]:
        """Devices a person removed, which discovery leaves alone."""
        return self._removed.devices

    def token_changed(self, device: Device, token: str) -> None:
        """A person set a new token: reconnect with it (and re-read the model)."""
        if device.address is not None:
            self.adopt_soon(Adoption(device.address, token, name=device.name, room=device.room))

    async def _remember_token(self, device_id: str, adoption: Adoption) -> None:
        await self._ctx.tokens.set_token(
            device_id,
            adoption.token,
            name=adoption.name,
            room=adoption.room,
            at=self._ctx.clock.time(),
        )

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
