"""Adopting miio devices: contact one, learn its id and model, register it, poll it.

An adoption is a device whose token is known. `Adopter.adopt` does one
attempt; `adopt_soon` retries in the background, with backoff while the
device is silent and a bound on how many devices are contacted at once. At
start-up `adopt_known` reads the token file and adopts the devices the config
lists and those remembered from earlier runs. A device a person removed stays
out unless the adoption readmits it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from drivers.miio.codec import parse_token
from drivers.miio.model_maps import ModelMaps
from drivers.miio.polling import DevicePolls
from drivers.miio.removals import RemovedDevices
from drivers.miio.settings import MiioSettings
from drivers.miio.transport import MiioTransport
from hub.driver_context import DriverContext
from hub.errors import AuthenticationFailed, DeviceTimeout, DeviceWasRemoved, HubError
from hub.events import DeviceStatus
from hub.registry import Device
from hub.tasks import TaskOwner
from hub.token_file import missing_token_reason, read_token_file, token_keys

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


class Adopter:
    """Adopts devices for the driver, now or in the background."""

    def __init__(
        self,
        ctx: DriverContext[MiioSettings],
        *,
        miio: MiioTransport,
        port: int,
        polls: DevicePolls,
        models: ModelMaps,
        removed: RemovedDevices,
        tasks: TaskOwner,
    ) -> None:
        self._ctx = ctx
        self._config = ctx.config
        self._miio = miio
        self._port = port
        self._polls = polls
        self._models = models
        self._removed = removed
        self._tasks = tasks
        self._adopting = asyncio.Semaphore(MAX_CONCURRENT_ADOPTIONS)

    async def adopt_known(self) -> None:
        """At start: the token file read, then every configured and remembered device
        adopted in the background (or said to be missing its token)."""
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

    def adopt_soon(self, adoption: Adoption) -> None:
        """Adopt in the background, retrying with backoff while the device is silent."""
        self._tasks.spawn(self._adopt_until_done(adoption), name=_task_name(adoption.address))

    def cancel(self, addresses: Iterable[str]) -> None:
        """Stop adopting the devices at `addresses` in the background."""
        names = {_task_name(address) for address in addresses}
        for task in self._tasks.tasks:
            if task.get_name() in names:
                task.cancel()

    async def _adopt_until_done(self, adoption: Adoption) -> None:
        max_backoff = self._config.polling.max_backoff
        delay = min(5.0, max_backoff)
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
            delay = min(delay * 2, max_backoff)

    async def adopt(self, adoption: Adoption) -> Device:
        """Contact a device, learn its id and model, register it and start polling it."""
        token = parse_token(adoption.token)
        connection = self._miio.connection(
            adoption.address, token, port=self._port, name=adoption.name
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

    async def _remember_token(self, device_id: str, adoption: Adoption) -> None:
        await self._ctx.tokens.set_token(
            device_id,
            adoption.token,
            name=adoption.name,
            room=adoption.room,
            at=self._ctx.clock.time(),
        )


def _task_name(address: str) -> str:
    return f"miio-adopt-{address}"
