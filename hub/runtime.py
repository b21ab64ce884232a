"""The hub: owns the bus, registry, state, storage and every background task."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import Coroutine
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from hub import __version__
from hub.capabilities import DeviceSpecs, ResolvedSpec
from hub.clock import Clock, SystemClock
from hub.config import HubConfig, default_data_dir
from hub.driver_context import ComponentKey, DriverContext
from hub.errors import DeviceNotRemovable, DeviceTimeout, DeviceUnavailable, HubError
from hub.events import EventBus, StorageHealth
from hub.registry import Device, DeviceRegistry
from hub.state import StateStore
from hub.storage import Database, HubStore
from hub.tasks import TaskOwner

_LOGGER = logging.getLogger(__name__)

#: A component gets this long to stop before the hub moves on; the whole stop
#: must fit in the 5 s a service manager allows after SIGTERM.
COMPONENT_STOP_TIMEOUT = 2.0
#: Default deadline for a device command when the caller gives none: long
#: enough for a miio request with its retries on a busy Wi-Fi network.
DEFAULT_CALL_TIMEOUT = 10.0
#: How often old history rows are deleted.
HISTORY_PRUNE_INTERVAL = 3600.0
DATABASE_FILE = "mihub.db"

C = TypeVar("C")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CallResult:
    """What `Hub.call` did: the device it reached, the command as validated, the reply."""

    device_id: str
    device: str  # the device's name
    command: str
    params: dict[str, Any]
    # What the device answered, as its driver returns it (JSON values: ["ok"], a
    # MIoT result list, the /set payload a Zigbee device was sent).
    reply: Any


class Component(Protocol):
    """A part of the hub with a lifecycle (a driver, the API server, the scene engine)."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Driver(Protocol):
    """Sends normalised commands to the devices of one transport."""

    transport: str

    async def call(
        self, device: Device, command: str, params: dict[str, Any], timeout: float
    ) -> Any: ...


class TokenAware(Protocol):
    """A driver that wants to hear when a device's token changes (to reconnect with it)."""

    def token_changed(self, device: Device, token: str) -> None: ...


class Hub:
    """One running hub. `async with Hub(config) as hub:` starts and stops it."""

    def __init__(
        self,
        config: HubConfig | None = None,
        *,
        clock: Clock | None = None,
        data_dir: Path | None = None,
    ) -> None:
        self.config = config or HubConfig()
        self.clock: Clock = clock or SystemClock()
        self.version = __version__
        self.bus = EventBus()
        self.registry = DeviceRegistry(self.bus, self.clock)
        self.state = StateStore(self.bus, self.clock)
        # Which capabilities each device has (model maps, patterns, exposes, spec files).
        self.specs = DeviceSpecs()
        self.data_dir = data_dir or self.config.storage.data_dir or default_data_dir()
        self.db = Database(
            self.data_dir / DATABASE_FILE, batch_window=self.config.storage.batch_window
        )
        self.db.on_write_health(self._storage_health)
        self.store = HubStore(self.db)
        self.started_at: float | None = None
        self._components: list[Component] = []
        self._keyed: dict[str, tuple[ComponentKey[Any], Component]] = {}
        self._drivers: dict[str, Driver] = {}
        self._tasks = TaskOwner("hub", logger=_LOGGER)
        self._running: list[Component] = []
        self._lock_fd: int | None = None
        self.ready = asyncio.Event()

    # -- composition ---------------------------------------------------------------------

    def add_component(self, component: Component, key: ComponentKey[Any] | None = None) -> None:
        """Components start in the order added and stop in reverse; `key` makes it
        findable with `component(key)`."""
        if self.started_at is not None:
            raise RuntimeError("add components before the hub starts")
        if key is not None:
            if not isinstance(component, key.type):
                raise TypeError(f"{key!r} is for a {key.type.__qualname__}, not {component!r}")
            if key.name in self._keyed:
                raise ValueError(f"a component is already added as {key.name!r}")
            self._keyed[key.name] = (key, component)
        self._components.append(component)

    def add_driver(self, driver: Driver, key: ComponentKey[Any] | None = None) -> None:
        """Register a driver for its transport, and run it as a component if it is one."""
        self.register_driver(driver)
        if hasattr(driver, "start") and hasattr(driver, "stop"):
            self.add_component(driver, key)  # type: ignore[arg-type]  # has start/stop, checked above

    def component(self, key: ComponentKey[T]) -> T:
        """The component added under `key`, else the one component of its type
        (`KeyError` naming the known ones)."""
        keyed = self._keyed.get(key.name)
        if keyed is not None and keyed[0] is key:
            found: T = keyed[1]  # type: ignore[assignment]  # add_component checked its type
            return found
        matches = [c for c in self._components if isinstance(c, key.type)]
        if len(matches) == 1:
            return matches[0]
        known = ", ".join(c.name for c in self._components) or "none"
        raise KeyError(f"no component {key.name!r}; components: {known}")

    def has_component(self, key: ComponentKey[Any]) -> bool:
        try:
            self.component(key)
        except KeyError:
            return False
        return True

    def register_driver(self, driver: Driver) -> None:
        if driver.transport in self._drivers:
            raise ValueError(f"a driver for {driver.transport} is already registered")
        self._drivers[driver.transport] = driver

    def driver_context(self, config: C) -> DriverContext[C]:
        """The narrow view of this hub a driver gets, with its own config section."""
        return DriverContext(
            registry=self.registry,
            state=self.state,
            specs=self.specs,
            tokens=self.store,
            clock=self.clock,
            bus=self.bus,
            tasks=self._tasks,
            config=config,
            data_dir=self.data_dir,
            discovery=self.store,
        )

    def create_task(self, coro: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        """A background task owned by the hub: logged if it fails, cancelled on stop."""
        return self._tasks.spawn(coro, name=name)

    @property
    def tasks(self) -> frozenset[asyncio.Task[Any]]:
        return self._tasks.tasks

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        if self.started_at is not None:
            raise RuntimeError("the hub is already started")
        self.started_at = self.clock.monotonic()
        try:
            self._lock_data_dir()
            await self.db.open()
            await self._restore()
            self.registry.add_recorder(self._persist_device)
            self.state.add_recorder(self.store.record_state)
            self.specs.add_recorder(self._persist_capabilities)
            self.create_task(self._prune_history(), name="history-pruning")
            for component in self._components:
                _LOGGER.debug("starting %s", component.name)
                await component.start()
                self._running.append(component)
        except BaseException:
            await self.stop()
            raise
        self.ready.set()
        _LOGGER.info(
            "mihub %s ready: %d devices, data in %s",
            self.version,
            len(self.registry),
            self.data_dir,
        )

    async def stop(self) -> None:
        """Stop components in reverse order, cancel every task, flush and close storage."""
        if self.started_at is None:
            return
        self.ready.clear()
        while self._running:
            component = self._running.pop()
            try:
                async with asyncio.timeout(COMPONENT_STOP_TIMEOUT):
                    await component.stop()
            except TimeoutError:
                _LOGGER.warning(
                    "%s did not stop within %ss", component.name, COMPONENT_STOP_TIMEOUT
                )
            except Exception:
                _LOGGER.exception("%s failed while stopping", component.name)
        await self._tasks.stop()
        for device in self.registry:
            self.store.save_device(device)
        with contextlib.suppress(HubError):
            await self.db.close()
        self._unlock_data_dir()
        self.started_at = None
        _LOGGER.info("mihub stopped")

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def problems(self) -> list[str]:
        """What keeps the hub from working fully right now (empty when nothing does)."""
        found = []
        storage = self.db.write_problem
        if storage is not None:
            held, dropped = self.db.held_writes, self.db.dropped_writes
            found.append(f"storage: {storage} ({held} writes waiting, {dropped} dropped)")
        return found

    def _storage_health(self, writable: bool, reason: str) -> None:
        self.bus.publish(StorageHealth(at=self.clock.time(), writable=writable, reason=reason))

    @property
    def uptime(self) -> float:
        return 0.0 if self.started_at is None else self.clock.monotonic() - self.started_at

    # -- commands --------------------------------------------------------------------------

    async def call(
        self,
        device: str,
        command: str,
        params: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,
    ) -> CallResult:
        """Send a normalised command to a device by id or name, within a deadline."""
        target = self.registry.get(device)
        driver = self._drivers.get(target.transport)
        if driver is None:
            raise DeviceUnavailable(target.name, f"no {target.transport} driver is running")
        deadline = DEFAULT_CALL_TIMEOUT if timeout is None else timeout
        sent = dict(params or {})
        try:
            async with asyncio.timeout(deadline):
                reply = await driver.call(target, command, sent, deadline)
                return CallResult(target.id, target.name, command, sent, reply)
        except TimeoutError as err:
            if isinstance(err, DeviceTimeout):
                raise
            raise DeviceTimeout(target.name, command, deadline) from None

    def remove_device(self, device: str) -> Device:
        """Remove a device: its driver stops tracking it; its state, history and
        capabilities go.

        The miio driver also deletes its token and keeps discovery from adopting it
        again until a person gives its token again; a Zigbee device comes back with
        Zigbee2MQTT's next device list if Zigbee2MQTT still lists it.
        """
        target = self.registry.get(device)
        driver = self._drivers.get(target.transport)
        if driver is not None:
            forget = getattr(driver, "forget", None)
            if forget is None:
                raise DeviceNotRemovable(
                    target.name,
                    f"the {target.transport} driver cannot let go of a device while it runs",
                    hint="stop the hub, remove it from the config, and start the hub again",
                )
            forget(target)
        self.specs.forget(target.id)
        self.state.forget(target.id)
        removed = self.registry.remove(target.id)
        _LOGGER.info("removed device %s (%s)", removed.name, removed.id)
        return removed

    async def set_device_token(self, device: str, token: str) -> None:
        """Store a device's token and let its driver reconnect with it."""
        target = self.registry.get(device)
        await self.store.set_token(target.id, token, at=self.clock.time())
        driver = self._drivers.get(target.transport)
        if driver is not None and hasattr(driver, "token_changed"):
            notify: TokenAware = driver  # type: ignore[assignment]  # checked just above
            notify.token_changed(target, token)

    # -- storage -----------------------------------------------------------------------------

    async def _restore(self) -> None:
        for device in await self.store.load_devices():
            self.registry.add(device, announce=False)
        for device_id, values in (await self.store.load_state()).items():
            self.state.restore(device_id, values)
        await self.store.prune_history(self.clock.time() - self._history_seconds)

    @property
    def _history_seconds(self) -> float:
        return self.config.storage.history_days * 86400.0

    def _persist_device(self, device: Device, removed: bool) -> None:
        if removed:
            self.store.delete_device(device.id)
        else:
            self.store.save_device(device)

    def _persist_capabilities(self, device_id: str, assigned: ResolvedSpec | None) -> None:
        if assigned is None:
            self.store.delete_capabilities(device_id)
        else:
            units = {attribute.name: attribute.unit for attribute in assigned.spec.attributes}
            self.store.save_capabilities(device_id, assigned.source.describe(), units)

    async def _prune_history(self) -> None:
        while True:
            await self.clock.sleep(HISTORY_PRUNE_INTERVAL)
            removed = await self.store.prune_history(self.clock.time() - self._history_seconds)
            if removed:
                _LOGGER.debug("pruned %d history rows", removed)

    def _lock_data_dir(self) -> None:
        """One hub per data directory: a second one would corrupt the other's view."""
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.data_dir / "hub.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise HubError(
                f"another mihub is already running with the data directory {self.data_dir}",
                hint="stop it first, or use another --data-dir",
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd

    def _unlock_data_dir(self) -> None:
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None
