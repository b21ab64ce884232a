"""The miio driver: adopts devices, polls their state, sends their commands.

It maps between the hub (devices, attributes, normalised commands) and the
miio protocol (`MiioConnection`), using each model's map from
`drivers.families`. Every device's polls run from one `PollScheduler` owned
by the driver. A command the device accepted re-reads the device's state
before it returns (as Home Assistant's integrations refresh their coordinator
after a set), so whatever reads the state next, a question right after the
command included, sees the command's effect.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from drivers.families import Catalog
from drivers.families.miio_maps import MiioModelMap, MiotModelMap
from drivers.families.miot_spec import SpecFileError
from drivers.families.spec_map import SpecMiotMap
from drivers.families.wire import WireRequest
from drivers.miio.codec import MIIO_PORT, parse_token
from drivers.miio.connection import MiioConnection
from drivers.miio.discovery import Discovered, expand_targets
from drivers.miio.poll_scheduler import PollScheduler
from drivers.miio.removals import RemovedDevices
from drivers.miio.spec_directory import SpecDirectory
from drivers.miio.transport import HELLO_TIMEOUT, MiioTransport
from hub.capabilities import SourceKind, SpecSource
from hub.config import DeviceConfig, DiscoveryConfig, HubConfig, MiotConfig, PollingConfig
from hub.driver_context import ComponentKey, DriverContext
from hub.errors import (
    AuthenticationFailed,
    DeviceError,
    DeviceNotRemovable,
    DeviceTimeout,
    DeviceUnavailable,
    DeviceWasRemoved,
    HubError,
    InvalidCommand,
    ProtocolError,
)
from hub.events import DeviceStatus
from hub.registry import Device
from hub.storage.store import RemovedDevice
from hub.tasks import TaskOwner
from hub.token_file import missing_token_reason, read_token_file, token_keys

if TYPE_CHECKING:
    from hub.runtime import Hub

_LOGGER = logging.getLogger(__name__)

MiioMap = MiioModelMap | MiotModelMap | SpecMiotMap

#: Poll interval of a model with no family default (unknown models): they are
#: only checked for being alive.
GENERIC_POLL_INTERVAL: Final = 60.0
#: A poll gets this long for all its requests; longer than one call's retries.
POLL_TIMEOUT: Final = 12.0
#: Reading miIO.info when adopting a device.
INFO_TIMEOUT: Final = 5.0
#: Commands understood by every miio device, whatever its model.
GENERIC_COMMANDS: Final = ("info", "send")
#: Scheduled polls running at once. A device answers a poll in 10-100 ms, so
#: this serves hundreds of polls a second; bursts (a whole house adopted in the
#: same second, the network coming back) queue instead of holding hundreds of
#: polls' buffers at once. Polls a command asks for do not wait for a slot.
MAX_CONCURRENT_POLLS: Final = 64
#: Background adoptions (hello, then miIO.info) running at once. Adopting 500
#: known devices all together at start put every handshake, and right after
#: every first poll's state changes, in flight at once: ~3 MB of allocator
#: high-water the process kept (benchmarks/state_fanout.py on an idle machine,
#: 82.2 -> 78.9 MB). Adoption stays well under a second of work; a silent
#: device holds its slot for one hello (2.5 s).
MAX_CONCURRENT_ADOPTIONS: Final = 32


#: How long a command waits, after the device accepted it, for the re-read of the
#: device's state: one poll, 10-100 ms for most devices and ~2 s for a busy
#: vacuum's few requests. Past it the command returns and the state follows when
#: that poll ends.
STATE_REFRESH_TIMEOUT: Final = 3.0
#: What a command keeps of its deadline for itself when it waits for the re-read:
#: the command's result must not be lost to the wait running into the deadline.
STATE_REFRESH_MARGIN: Final = 0.25

#: A device whose stamp showed a restart reads `rebooted` (still available) for
#: this long, so people and scenes see it happened; then `ok` again.
REBOOTED_SHOWN_FOR: Final = 300.0


class PollTooSlow(DeviceTimeout):
    """The device answered, but a whole poll did not fit in `POLL_TIMEOUT`."""


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


@dataclass(slots=True)
class _Tracked:
    """What the driver keeps per adopted device."""

    device_id: str
    connection: MiioConnection
    model_map: MiioMap | None
    interval: float
    misses: int = 0


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
        self._tracked: dict[str, _Tracked] = {}
        # Devices a person removed: discovery does not adopt them again.
        self._removed = RemovedDevices(ctx.discovery)
        self._tasks = TaskOwner("miio", logger=_LOGGER)
        self._polling = ctx.config.polling
        # Spec files for models no map knows (miot.spec_dir, default <data dir>/miot-specs).
        self.specs = SpecDirectory(
            ctx.config.miot.spec_dir or ctx.data_dir / "miot-specs", self.catalog
        )
        self._adopting = asyncio.Semaphore(MAX_CONCURRENT_ADOPTIONS)
        self._polls = PollScheduler(
            self._poll_tracked,
            ctx.clock,
            max_concurrent=MAX_CONCURRENT_POLLS,
            task_prefix="miio-poll",
        )

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
            if token is not None and device.id not in self._tracked:
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
        self._tracked.clear()
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
        return list(self._tracked)

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
            and (known is None or known.address != host or device_id not in self._tracked)
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
        delay = min(5.0, self._polling.max_backoff)
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
            delay = min(delay * 2, self._polling.max_backoff)

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
        model_map = self._model_map(model) or await self._spec_map(model)
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
        self._assign(device_id, model_map)
        # Tracked before it is announced available: a command sent the moment the
        # device shows up must find its connection.
        self._track(device_id, connection, model_map)
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
        self._polls.discard(device.id)
        tracked = self._tracked.pop(device.id, None)
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

    def _model_map(self, model: str) -> MiioMap | None:
        found = self.catalog.lookup_model(model)
        return found if isinstance(found, MiioModelMap | MiotModelMap) else None

    async def _spec_map(self, model: str) -> SpecMiotMap | None:
        """The map from `model`'s spec file in the spec directory, if there is one."""
        try:
            return await asyncio.to_thread(self.specs.map_for, model)
        except SpecFileError as err:
            _LOGGER.warning("ignoring the spec file of %s: %s", model, err)
            return None

    def _assign(self, device_id: str, model_map: MiioMap | None) -> None:
        """Capabilities built from a spec file are the device's own; others come by model."""
        if isinstance(model_map, SpecMiotMap):
            self._ctx.specs.assign(
                device_id, model_map.spec, SpecSource(SourceKind.MIOT_SPEC, model_map.source)
            )
        else:
            self._ctx.specs.forget(device_id)

    def _interval(self, model_map: MiioMap | None) -> float:
        if model_map is None:
            return self._polling.intervals.get("generic", GENERIC_POLL_INTERVAL)
        return self._polling.intervals.get(
            model_map.family, model_map.spec.poll_interval_s or GENERIC_POLL_INTERVAL
        )

    async def _adopt_spec_file(self, tracked: _Tracked) -> None:
        """An unsupported model whose spec file has since appeared is served from it."""
        device = self._ctx.registry.find(tracked.device_id)
        model_map = None if device is None else await self._spec_map(device.model)
        if device is None or model_map is None:
            return
        tracked.model_map = model_map
        tracked.interval = self._interval(model_map)
        self._ctx.registry.update(device.id, family=model_map.family)
        self._assign(device.id, model_map)
        _LOGGER.info("%s (%s) is served from %s", device.name, device.model, model_map.source)

    def _track(self, device_id: str, connection: MiioConnection, model_map: MiioMap | None) -> None:
        interval = self._interval(model_map)
        self._tracked[device_id] = _Tracked(device_id, connection, model_map, interval)
        # First poll now (cancelling a running poll of the device it replaces).
        self._polls.schedule(device_id)

    # -- polling ------------------------------------------------------------------------------

    async def _poll_tracked(self, device_id: str) -> float:
        """The scheduler's poll: poll the device, return the wait before the next poll."""
        return await self._poll_and_report(self._tracked[device_id])

    async def _poll_and_report(self, tracked: _Tracked) -> float:
        """Poll once, record the outcome; returns how long to wait before the next poll."""
        registry = self._ctx.registry
        try:
            values = await self.poll_once(tracked)
        except AuthenticationFailed:
            registry.set_availability(tracked.device_id, DeviceStatus.AUTH_FAILED)
            return self._backoff(tracked)
        except DeviceTimeout as err:
            tracked.misses += 1
            if tracked.misses >= self._polling.unavailable_after:
                if isinstance(err, PollTooSlow):
                    status, reason = DeviceStatus.TIMEOUT, f"answers too slowly: {err.message}"
                else:
                    status, reason = await self._diagnose_silence(tracked)
                registry.set_availability(tracked.device_id, status, reason)
            return self._backoff(tracked)
        except (DeviceError, ProtocolError) as err:
            _LOGGER.warning("polling %s failed: %s", tracked.device_id, err)
            return tracked.interval
        except DeviceUnavailable:
            return self._backoff(tracked)
        except Exception:
            # A poller must outlive any surprise: log it and try again next interval.
            _LOGGER.exception("polling %s failed unexpectedly", tracked.device_id)
            return tracked.interval
        tracked.misses = 0
        status = (
            DeviceStatus.OK if tracked.model_map is not None else DeviceStatus.UNSUPPORTED_MODEL
        )
        restarted_at = tracked.connection.restarted_at
        if (
            status is DeviceStatus.OK
            and restarted_at is not None
            and self._ctx.clock.time() - restarted_at < REBOOTED_SHOWN_FOR
        ):
            status = DeviceStatus.REBOOTED
        reason = (
            "restarted (its uptime went back); reconnected"
            if status is DeviceStatus.REBOOTED
            else ""
        )
        registry.set_availability(tracked.device_id, status, reason)
        if values:
            self._ctx.state.update(tracked.device_id, values)
        return tracked.interval

    async def _diagnose_silence(self, tracked: _Tracked) -> tuple[DeviceStatus, str]:
        """Why a device stopped answering polls: gone, or answering with another token."""
        host, port = tracked.connection.address
        hello = await self.miio.hello(host, port=port)
        if hello is not None:
            return (
                DeviceStatus.AUTH_FAILED,
                f"answers hello but not {tracked.misses} polls in a row: "
                "its token was probably reset; set the new one",
            )
        return (
            DeviceStatus.UNREACHABLE,
            f"no answer to {tracked.misses} polls in a row nor to hello: "
            "is it powered and on the network?",
        )

    def _backoff(self, tracked: _Tracked) -> float:
        """Poll interval after a failed poll: doubling once the device counts as unavailable."""
        if tracked.misses < self._polling.unavailable_after:
            return tracked.interval
        extra = tracked.misses - self._polling.unavailable_after
        factor: float = 2.0 ** min(extra, 16)
        return min(tracked.interval * factor, self._polling.max_backoff)

    async def poll_once(self, tracked: _Tracked) -> dict[str, Any]:
        """Every attribute the model reports, read now (None values dropped)."""
        connection = tracked.connection
        if tracked.model_map is None:
            await connection.info(timeout=POLL_TIMEOUT)  # unknown model: is it alive?
            await self._adopt_spec_file(tracked)
            return {}
        values: dict[str, Any] = {}
        try:
            async with asyncio.timeout(POLL_TIMEOUT):
                for request in tracked.model_map.poll_requests():
                    result = await connection.send(request.method, request.params)
                    values.update(tracked.model_map.decode(request, result))
        except DeviceTimeout:
            raise
        except TimeoutError:
            # The whole poll ran out: the device answers, but too slowly.
            raise PollTooSlow(connection.name, "a full poll", POLL_TIMEOUT) from None
        return {key: value for key, value in values.items() if value is not None}

    # -- commands ----------------------------------------------------------------------------

    async def call(
        self, device: Device, command: str, params: dict[str, Any], timeout: float
    ) -> Any:
        tracked = self._tracked.get(device.id)
        if tracked is None:
            raise DeviceUnavailable(device.name, device.reason or "not adopted yet")
        if not device.available and device.status is not DeviceStatus.UNSUPPORTED_MODEL:
            self._polls.wake(device.id)  # check now whether it is back, for the next attempt
            raise DeviceUnavailable(device.name, device.reason)
        if tracked.model_map is None:
            return await self._generic_call(device, tracked.connection, command, params, timeout)
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + timeout
        model_map = tracked.model_map
        results: list[Any] = []
        requests: Iterator[WireRequest]
        if isinstance(model_map, MiioModelMap):
            # Built one by one (lazily): a call may carry a value from an earlier reply.
            plan = model_map.plan(command, params)
            requests = (plan.request(index, results) for index in range(len(plan)))
        else:
            requests = iter(model_map.encode_command(command, params))
        for request in requests:
            result = await tracked.connection.send(request.method, request.params, timeout=timeout)
            results.append(_check_miot_codes(device.name, request, result))
        await self._read_back(device.id, give_up_at - STATE_REFRESH_MARGIN)
        return results[0] if len(results) == 1 else results

    async def _read_back(self, device_id: str, latest: float) -> None:
        """Poll the device now and wait (until `latest` on the loop's clock at most) for
        that poll to end: its values are then in the state store."""
        refreshed = self._polls.refresh(device_id)
        if refreshed is None:
            return
        wait = min(STATE_REFRESH_TIMEOUT, latest - asyncio.get_running_loop().time())
        if wait > 0:
            # Not cancelled on timeout: the poll goes on, and updates the state when it ends.
            await asyncio.wait([refreshed], timeout=wait)

    async def _generic_call(
        self,
        device: Device,
        connection: MiioConnection,
        command: str,
        params: dict[str, Any],
        timeout: float,
    ) -> Any:
        if command == "info":
            return await connection.info(timeout=timeout)
        if command == "send":
            method = params.get("method")
            if not isinstance(method, str) or not method:
                raise InvalidCommand(
                    "send needs a method name", device=device.name, command=command, field="method"
                )
            return await connection.send(method, params.get("params"), timeout=timeout)
        raise InvalidCommand(
            f"{device.name} is a {device.model}, which mihub has no map for; "
            f"allowed commands: {', '.join(GENERIC_COMMANDS)}",
            device=device.name,
            command=command,
            allowed=list(GENERIC_COMMANDS),
        )


def _check_miot_codes(device: str, request: WireRequest, result: Any) -> Any:
    """MIoT answers per item with a code; a non-zero code is the device refusing."""
    items = result if isinstance(result, list) else [result]
    if request.method in ("set_properties", "action"):
        for item in items:
            if isinstance(item, dict) and item.get("code", 0) != 0:
                raise DeviceError(device, int(item["code"]), f"{request.method} refused")
    return result


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
