"""The one way tests start a real hub: its own data dir, its API on 127.0.0.1 (port 0),
the miio driver talking to simulated devices over real sockets when a test asks for it.

`served_hub` is an async context manager; `serve_hub` (tests/conftest.py) is the fixture
that starts as many as a test wants and stops them at its end. Features plug in as parts:
a function that adds its component to the hub and returns its API extension, if any.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Any

from drivers.families import Catalog
from drivers.miio.connection import RetryPolicy
from drivers.miio.driver import Adoption, MiioDriver, miio_context
from drivers.miio.transport import MiioTransport
from hub.api import ApiExtension, ApiServer, ApiSettings
from hub.auth import hash_api_token, new_api_token
from hub.clock import Clock
from hub.config import HubConfig
from hub.registry import Device
from hub.runtime import Hub
from simulators.home import VirtualHome

#: Short retries, so an offline simulated device is noticed within a test's time.
FAST_POLICY = RetryPolicy(attempt_timeout=0.3, max_attempts=3, backoff_initial=0.05)

#: A feature plugged into a hub before it starts: adds its component, returns its routes.
Part = Callable[[Hub], ApiExtension | None]


@dataclasses.dataclass
class ServedHub:
    """A running hub and what a test reaches it through."""

    hub: Hub
    data_dir: Path
    server: ApiServer | None = None
    #: An API token the hub accepts ("" without the API).
    token: str = ""
    #: The simulated home its miio driver adopted, if any.
    home: VirtualHome | None = None
    #: The miio driver, when the hub talks to simulated devices.
    miio: MiioDriver | None = None
    #: A driver the test registered itself (a scripted one, say).
    driver: Any = None

    @property
    def url(self) -> str:
        assert self.server is not None, "this hub was started without its API"
        return self.server.url

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}

    async def new_token(self, name: str) -> str:
        secret = new_api_token()
        await self.hub.store.add_api_token(name, hash_api_token(secret), self.hub.clock.time())
        return secret


def polling(*families: str, every: str = "1s") -> dict[str, Any]:
    """A config that polls `families` every `every` (tests see changes within a second)."""
    return {"polling": {"intervals": dict.fromkeys(families, every)}}


@contextlib.asynccontextmanager
async def served_hub(
    data_dir: Path,
    *,
    config: HubConfig | Mapping[str, Any] | None = None,
    clock: Clock | None = None,
    parts: Sequence[Part] = (),
    api: bool = True,
    api_settings: ApiSettings | None = None,
    owner_socket: bool = False,
    miio: RetryPolicy | bool = False,
    catalog: Catalog | None = None,
    home: VirtualHome | None = None,
    adopt: bool = True,
) -> AsyncIterator[ServedHub]:
    """A started hub on `data_dir`, stopped (and its transport closed) on the way out.

    `miio` adds the miio driver on a loopback transport (a `RetryPolicy` sets its
    retries; `catalog` replaces the built-in model maps); with `home` it adopts the home's miio devices by address and token
    unless `adopt` is false. `parts` plug features in, in order, before the API.
    """
    if not isinstance(config, HubConfig):
        config = HubConfig.model_validate(dict(config or {}))
    hub = Hub(config, data_dir=data_dir, clock=clock)
    served = ServedHub(hub, data_dir, home=home)
    transport: MiioTransport | None = None
    if miio is not False:
        policy = miio if isinstance(miio, RetryPolicy) else None
        transport = MiioTransport(bind_host="127.0.0.1", clock=hub.clock, policy=policy)
        await transport.start()
        served.miio = MiioDriver(miio_context(hub), transport=transport, catalog=catalog)
        hub.add_driver(served.miio)
    try:
        extensions = [ext for part in parts if (ext := part(hub)) is not None]
        if api:
            served.server = ApiServer(
                hub,
                listen=("127.0.0.1", 0),
                owner_socket=owner_socket,
                settings=api_settings,
                extensions=extensions,
            )
            hub.add_component(served.server)
        async with hub:
            if home is not None and served.miio is not None and adopt:
                await adopt_miio(served.miio, home)
            if api:
                served.token = await served.new_token(await _free_token_name(hub))
            yield served
    finally:
        if transport is not None:
            await transport.close()


async def adopt_miio(driver: MiioDriver, home: VirtualHome) -> None:
    """Adopt every miio device of `home`, under its name and room, one after the other."""
    for entry in home.manifest():
        if entry["transport"] == "miio":
            await driver.adopt(
                Adoption(entry["address"], entry["token"], name=entry["name"], room=entry["room"])
            )


# -- parts ---------------------------------------------------------------------------------


def intents(hub: Hub) -> ApiExtension:
    """The intent engine and its `/api/intents` routes."""
    from hub.intents import INTENTS, IntentEngine
    from hub.intents.http_api import IntentApi

    engine = IntentEngine(hub)
    hub.add_component(engine, INTENTS)
    return IntentApi(engine)


def maintenance(hub: Hub, tz: tzinfo | None = None) -> ApiExtension:
    """The maintenance tracker (counting days in `tz`) and its `/api/maintenance` routes."""
    from hub.maintenance import MaintenanceTracker
    from hub.maintenance.http_api import MaintenanceApi

    tracker = MaintenanceTracker(hub, tz=tz)
    hub.add_component(tracker)
    return MaintenanceApi(tracker)


def scenes(hub: Hub, *, directory: Path, builtin: bool = False, tz: tzinfo = UTC) -> ApiExtension:
    """The scene engine on `directory` (with the built-in scenes or not) and its routes."""
    from scenes.engine import SCENES, SceneEngine
    from scenes.http_api import SceneApi

    engine = SceneEngine(hub, directory=directory, builtin=builtin, tz=tz)
    hub.add_component(engine, SCENES)
    return SceneApi(engine)


def mqtt(hub: Hub) -> None:
    """The MQTT component and the Zigbee2MQTT driver, on the broker the config names."""
    from drivers.mqtt import install_mqtt

    install_mqtt(hub)


async def adopt_one(driver: MiioDriver, home: VirtualHome, name: str) -> Device:
    """Adopt the simulated device called `name` by its address and token, under that name."""
    entry = next(e for e in home.manifest() if e["name"] == name)
    return await driver.adopt(Adoption(entry["address"], entry["token"], name=name))


async def _free_token_name(hub: Hub) -> str:
    """The served hub's API token is "tests"; a later hub on the same data dir takes
    "tests-2", "tests-3" ... (token names are unique)."""
    taken = {record.name for record in await hub.store.api_tokens()}
    return next(name for name in _token_names() if name not in taken)


def _token_names() -> Iterator[str]:
    yield "tests"
    yield from (f"tests-{n}" for n in itertools.count(2))
