"""Devices a person removed from the hub, which discovery leaves alone.

Removing a miio device is Home Assistant's "delete" and "ignore" in one: the
device goes (its polling, connection, token, state and history), and when a
later sweep or mDNS finds it again it is listed as removed rather than adopted
or remembered. It comes back only when the person says so: by giving its token
again (`mihub token import`, `mihub token set ADDRESS|DID`) or by listing it under
`devices:` in the config. The list lives in the hub's database, so it holds
across restarts and for the token file the hub reads at every start.

`DeviceRemoval` does the removing and the readmitting; `RemovedDevices` is the
list they keep.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from drivers.miio.settings import MiioSettings
from hub.driver_context import DiscoveryMemory, DriverContext, RemovedDevice
from hub.errors import DeviceNotRemovable
from hub.registry import Device
from hub.token_file import token_keys

if TYPE_CHECKING:
    # Adopting checks the removed list, so the adoption module imports this one.
    from drivers.miio.adoption import Adopter
    from drivers.miio.polling import DevicePolls
    from drivers.miio.transport import MiioTransport

_LOGGER = logging.getLogger(__name__)


class RemovedDevices:
    """The removed devices by id, kept in memory and written through to storage."""

    def __init__(self, memory: DiscoveryMemory | None) -> None:
        self._memory = memory
        self._by_id: dict[str, RemovedDevice] = {}

    async def load(self) -> None:
        if self._memory is not None:
            self._by_id = {r.id: r for r in await self._memory.removed_devices()}

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, device_id: str) -> RemovedDevice | None:
        return self._by_id.get(device_id)

    def by_token_key(self, token_key: str) -> RemovedDevice | None:
        """The removed device a token key ('did:<n>', 'address:<ip>', an id) is for."""
        kind, _, value = token_key.partition(":")
        if kind == "address":
            return next((r for r in self._by_id.values() if r.address == value), None)
        return self._by_id.get(f"miio:{value}" if kind == "did" else token_key)

    def add(self, removed: RemovedDevice) -> None:
        self._by_id[removed.id] = removed
        if self._memory is not None:
            self._memory.remember_removed(removed)

    def readmit(self, device_id: str, why: str) -> RemovedDevice | None:
        """Let the device be adopted again; the record, if it was removed."""
        removed = self._by_id.pop(device_id, None)
        if removed is None:
            return None
        if self._memory is not None:
            self._memory.forget_removed(device_id)
        _LOGGER.info("%s (%s) may be adopted again: %s", removed.name, device_id, why)
        return removed

    @property
    def devices(self) -> list[RemovedDevice]:
        return list(self._by_id.values())


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceRemoval:
    """Removes devices from the driver at a person's word, and readmits them."""

    ctx: DriverContext[MiioSettings]
    miio: MiioTransport
    polls: DevicePolls
    adopter: Adopter
    removed: RemovedDevices

    def readmit(self, token_key: str) -> RemovedDevice | None:
        """A person gave a token for the device `token_key` names: if they had removed it,
        it may be adopted again. Returns the removed device (with its last address)."""
        removed = self.removed.by_token_key(token_key)
        if removed is None:
            return None
        return self.removed.readmit(removed.id, "its token was given")

    def forget(self, device: Device) -> None:
        """Let go of a device a person removes: polling and adoption stop, its connection
        closes, its token is deleted, and discovery does not adopt it again.

        A device the config lists cannot be removed while it does (it would be back at
        the next start): `DeviceNotRemovable` says so, and nothing changes.
        """
        configured = [d for d in self.ctx.config.devices if d.address == device.address]
        if device.address is not None and configured:
            raise DeviceNotRemovable(
                device.name,
                f"the config lists it (devices: address {device.address})",
                hint="delete its entry under devices: in the config file, then remove it",
            )
        tracked = self.polls.discard(device.id)
        addresses = {device.address} if device.address else set()
        if tracked is not None:
            host, port = tracked.connection.address
            addresses.add(host)
            self.miio.forget(host, port=port)  # a call waiting on it fails as unavailable
        self.adopter.cancel(addresses)  # a retrying adoption would bring it back
        self.removed.add(
            RemovedDevice(device.id, device.name, device.address, self.ctx.clock.time())
        )
        self.ctx.tokens.delete_tokens(token_keys(device.id, device.address))
        self.ctx.specs.forget(device.id)
        _LOGGER.info(
            "%s (%s) removed: no longer polled; its token is deleted", device.name, device.id
        )
