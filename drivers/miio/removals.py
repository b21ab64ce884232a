"""Devices a person removed from the hub, which discovery leaves alone.

Removing a miio device is Home Assistant's "delete" and "ignore" in one: the
device goes (its polling, connection, token, state and history), and when a
later sweep or mDNS finds it again it is listed as removed rather than adopted
or remembered. It comes back only when the person says so: by giving its token
again (`mihub token import`, `mihub token set ADDRESS|DID`) or by listing it under
`devices:` in the config. The list lives in the hub's database, so it holds
across restarts and for the token file the hub reads at every start.
"""

from __future__ import annotations

import logging

from hub.driver_context import DiscoveryMemory
from hub.storage.store import RemovedDevice

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
