"""What a driver may use of the hub, and typed keys for the hub's components.

A driver sees a `DriverContext`: the registry, the state store, the device
capability index, the token store, the clock, the event bus (to publish what
devices report as events), task spawning and its own config section. It never
sees the whole `Hub`, so what a driver can touch is written down here, and a
driver can run inside any program that builds a context (tests, an embedding
application) without a full hub.

`ComponentKey` is to `Hub.component` what aiohttp's `AppKey` is to an app:
``hub.component(MQTT)`` has the component's type, so a wrong lookup is a type
error rather than a string that misses at run time.
"""

from __future__ import annotations

from collections.abc import Coroutine, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from hub.capabilities import DeviceSpecs
from hub.clock import Clock
from hub.events import Event, EventBus
from hub.registry import DeviceRegistry
from hub.state import StateStore

C = TypeVar("C")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RemovedDevice:
    """A device a person removed: discovery does not adopt it again by itself."""

    id: str
    name: str
    address: str | None
    removed_at: float


@dataclass(frozen=True, slots=True)
class TokenEntry:
    """A device token as imported, before or after its device is known."""

    key: str  # 'did:<n>', 'address:<ip>' or a device id
    token: str
    name: str | None
    room: str | None


class TokenStore(Protocol):
    """The device-token part of the hub's store."""

    async def set_token(
        self,
        key: str,
        token: str,
        *,
        name: str | None = None,
        room: str | None = None,
        at: float,
    ) -> None: ...

    async def tokens(self) -> list[TokenEntry]: ...

    async def token_for(self, *keys: str) -> str | None: ...

    def delete_tokens(self, keys: Iterable[str]) -> None: ...


class DiscoveryMemory(Protocol):
    """The address ranges discovery was asked to sweep, and the devices a person removed
    (which discovery must not adopt again), kept across restarts."""

    async def discovery_targets(self) -> list[str]: ...

    async def remember_discovery_targets(self, targets: Iterable[str], *, at: float) -> None: ...

    async def removed_devices(self) -> list[RemovedDevice]: ...

    def remember_removed(self, device: RemovedDevice) -> None: ...

    def forget_removed(self, device_id: str) -> None: ...


class Spawner(Protocol):
    def spawn(self, coro: Coroutine[Any, Any, Any], *, name: str) -> Any: ...


@dataclass(frozen=True, slots=True)
class DriverContext(Generic[C]):
    """The narrow view of the hub a driver works with; `config` is its own section."""

    registry: DeviceRegistry
    state: StateStore
    specs: DeviceSpecs
    tokens: TokenStore
    clock: Clock
    bus: EventBus
    tasks: Spawner
    config: C
    data_dir: Path
    #: None in a context built without storage: nothing is remembered across restarts.
    discovery: DiscoveryMemory | None = None

    def publish(self, event: Event) -> None:
        """Publish an event on the hub's bus (a device's button press, say)."""
        self.bus.publish(event)


class ComponentKey(Generic[T]):
    """A typed name for a hub component: ``hub.component(KEY)`` returns a `T`."""

    __slots__ = ("name", "type")

    def __init__(self, name: str, kind: type[T]) -> None:
        self.name = name
        self.type = kind

    def __repr__(self) -> str:
        return f"<ComponentKey {self.name}: {self.type.__qualname__}>"
