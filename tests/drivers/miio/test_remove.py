"""Removing a miio device from a running hub, end to end against the simulated home.

What a person expects of "remove": it stops being polled, leaves the hub with its
state, history and token, and a later discovery sweep, a restart or the token file
read at start do not bring it back; giving its token again does.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from drivers.miio.driver import MIIO
from hub.api import ApiExtension
from hub.api.discovery import DiscoveryApi
from hub.events import DeviceAdded
from hub.runtime import Hub
from hub.token_file import token_keys
from simulators.home import VirtualHome
from tests.served_hub import FAST_POLICY, ServedHub, adopt_one, served_hub
from tests.waiting import eventually, next_event

PLUG = "desk_plug"
#: Sweeps target the home's miio addresses only, each of which answers, so a sweep
#: ends as soon as they all have; its hello timeout only bounds a loaded machine
#: (at 0.5 s a sweep of a /24 missed the plug under load).
SWEEP_TIMEOUT = 5.0


def discovery_api(hub: Hub) -> ApiExtension:
    """`/api/discovery/...` over the hub's miio driver, as `mihub run` serves it."""
    return DiscoveryApi(hub.component(MIIO))


def _entry(home: VirtualHome, name: str) -> dict[str, Any]:
    return next(e for e in home.manifest() if e["name"] == name)


def _miio_addresses(home: VirtualHome) -> list[str]:
    """What the sweeps target: every simulated miio device's address, all answering."""
    return [e["address"] for e in home.manifest() if e["transport"] == "miio"]


def _token_file(home: VirtualHome, directory: Path) -> Path:
    """The simulator's manifest as the token file the hub reads at every start."""
    path = directory / "tokens.json"
    miio = [e for e in home.manifest() if e["transport"] == "miio"]
    path.write_text(json.dumps(miio))
    return path


def _config(home: VirtualHome, tmp_path: Path, **extra: Any) -> dict[str, Any]:
    return {
        "discovery": {
            "targets": _miio_addresses(home),
            "tokens_file": str(_token_file(home, tmp_path)),
            "hello_timeout": SWEEP_TIMEOUT,
        },
        "polling": {"intervals": {"plug": "1s"}},
        **extra,
    }


async def _delete(served: ServedHub, name: str) -> tuple[int, dict[str, Any] | None]:
    async with (
        aiohttp.ClientSession() as http,
        http.delete(f"{served.url}/api/devices/{name}", headers=served.headers()) as resp,
    ):
        body = None if resp.status == 204 else await resp.json(content_type=None)
        return resp.status, body


async def _post(served: ServedHub, path: str, body: Any) -> Any:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{served.url}{path}", json=body, headers=served.headers()) as resp,
    ):
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def test_a_removed_device_is_let_go_of_and_stays_removed(
    tmp_path: Path, home: VirtualHome
) -> None:
    data_dir = tmp_path / "hub"
    entry = _entry(home, PLUG)
    device_id = f"miio:{entry['did']}"
    config = _config(home, tmp_path)
    async with served_hub(
        data_dir, config=config, miio=FAST_POLICY, home=home, parts=[discovery_api]
    ) as served:
        hub, driver = served.hub, served.miio
        assert driver is not None
        await eventually(lambda: hub.state.get(device_id, "power") is not None, "plug polled")
        await hub.db.flush()
        assert await hub.store.history(device_id, "power")

        status, _ = await _delete(served, PLUG)

        assert status == 204
        assert PLUG not in hub.registry
        assert device_id not in driver.tracked
        assert hub.state.snapshot(device_id) == {}
        host, port = entry["address"], 54321
        assert (host, port) not in driver.miio._connections  # its connection is closed
        await hub.db.flush()
        assert await hub.store.token_for(*token_keys(device_id, entry["address"])) is None
        assert await hub.store.history(device_id, "power") == []
        assert device_id not in await hub.store.load_state()
        asked_before = len(home.commands(PLUG))

        # A sweep finds it again: listed as removed, neither adopted nor remembered.
        found = await _post(
            served,
            "/api/discovery/scan",
            {"targets": _miio_addresses(home), "timeout": SWEEP_TIMEOUT},
        )
        seen = next(d for d in found["devices"] if d["did"] == entry["did"])
        assert (seen["removed"], seen["already_added"], seen["token_known"]) == (
            True, False, False,
        )  # fmt: skip
        assert seen["name"] == PLUG
        assert PLUG not in hub.registry
        assert f"miio_{entry['did']}" not in hub.registry
        # Other devices are still polled; nothing but hello reached the removed one.
        assert home.commands(PLUG)[asked_before:] == []

    # The next start: the token file still lists it, the sweep finds it; it stays out.
    async with served_hub(
        data_dir, config=config, miio=FAST_POLICY, home=home, adopt=False, parts=[discovery_api]
    ) as again:
        hub = again.hub
        others = [e["name"] for e in home.manifest() if e["transport"] == "miio"]
        others.remove(PLUG)
        await eventually(
            lambda: all(name in hub.registry for name in others), "the others adopted", bus=hub.bus
        )
        await hub.db.flush()
        assert await hub.store.token_for(*token_keys(device_id, entry["address"])) is None
        # One more sweep through the running driver, after the start-up one.
        assert again.miio is not None
        found_again = await again.miio.discover([entry["address"]], timeout=SWEEP_TIMEOUT)
        assert [d.removed for d in found_again] == [True]
        assert device_id not in hub.registry

        # Giving its token again brings it back, as a new device.
        with hub.bus.subscribe(DeviceAdded, name="test-readmit") as added:
            summary = await _post(
                again,
                "/api/discovery/tokens",
                {"entries": [{"did": entry["did"], "token": entry["token"]}]},
            )
            assert summary["skipped"] == []
            event = await next_event(added, DeviceAdded, lambda e: e.device_id == device_id)
        assert event.name == PLUG
        await eventually(lambda: hub.registry.get(device_id).available, "adopted", bus=hub.bus)
        assert again.miio.removed == []


async def test_a_device_the_config_lists_cannot_be_removed(
    tmp_path: Path, home: VirtualHome, block: str
) -> None:
    entry = _entry(home, PLUG)
    config = {
        "devices": [{"name": PLUG, "address": entry["address"], "token": entry["token"]}],
    }
    async with served_hub(
        tmp_path / "hub", config=config, miio=FAST_POLICY, home=home, adopt=False
    ) as served:
        hub = served.hub
        await eventually(lambda: PLUG in hub.registry, "configured plug adopted", bus=hub.bus)
        status, body = await _delete(served, PLUG)
        assert status == 409
        assert body is not None
        assert body["type"].endswith("device-not-removable")
        assert "the config lists it" in body["detail"]
        assert "delete its entry under devices:" in body["hint"]
        assert PLUG in hub.registry
        assert served.miio is not None
        assert f"miio:{entry['did']}" in served.miio.tracked


async def test_an_adoption_still_retrying_does_not_bring_it_back(
    tmp_path: Path, home: VirtualHome
) -> None:
    async with served_hub(tmp_path / "hub", miio=FAST_POLICY, home=home, adopt=False) as served:
        assert served.miio is not None
        device = await adopt_one(served.miio, home, PLUG)
        served.hub.remove_device(PLUG)
        entry = _entry(home, PLUG)
        # What discovery or a token change would start: refused once it says hello.
        from drivers.miio.driver import Adoption
        from hub.errors import DeviceWasRemoved

        with pytest.raises(DeviceWasRemoved, match="was removed from this hub"):
            await served.miio.adopt(Adoption(entry["address"], entry["token"]))
        assert device.id not in served.hub.registry


def _cli(*args: str) -> Any:
    from click.testing import CliRunner

    from hub.cli.main import cli

    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result


async def test_without_a_running_hub_discover_leaves_it_out_and_a_token_brings_it_back(
    tmp_path: Path, home: VirtualHome
) -> None:
    from hub.cli.local_store import open_store
    from hub.driver_context import RemovedDevice

    data_dir = tmp_path / "hub"
    data_dir.mkdir()
    entry = _entry(home, PLUG)
    device_id = f"miio:{entry['did']}"
    async with open_store(data_dir) as store:  # as a hub that removed it leaves the store
        store.remember_removed(RemovedDevice(device_id, PLUG, entry["address"], 1.0))
    targets = [arg for address in _miio_addresses(home) for arg in ("--target", address)]

    swept = await asyncio.to_thread(
        _cli, "discover", *targets, "--timeout", str(SWEEP_TIMEOUT), "--json", "--data-dir",
        str(data_dir),
    )  # fmt: skip
    rows = {row["did"]: row for row in json.loads(swept.stdout)}
    assert rows[entry["did"]]["removed"] is True
    assert rows[entry["did"]]["next"].startswith("removed from this hub")
    async with open_store(data_dir) as store:
        assert device_id not in {d.id for d in await store.load_devices()}

    tokens = tmp_path / "plug.json"
    tokens.write_text(json.dumps([{"did": entry["did"], "token": entry["token"]}]))
    await asyncio.to_thread(_cli, "token", "import", str(tokens), "--data-dir", str(data_dir))

    # The next start sweeps the remembered range and adopts it, under its old name.
    config = {"discovery": {"hello_timeout": SWEEP_TIMEOUT}}
    async with served_hub(data_dir, config=config, miio=FAST_POLICY, api=False) as served:
        await eventually(lambda: PLUG in served.hub.registry, "adopted again", bus=served.hub.bus)
        assert served.hub.registry.get(PLUG).id == device_id
