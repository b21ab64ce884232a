"""The miio driver end to end: a real hub against simulated devices over loopback UDP."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from drivers.miio.connection import RetryPolicy
from drivers.miio.driver import Adoption, MiioDriver
from hub.errors import DeviceUnavailable, InvalidCommand
from hub.events import DeviceAvailability, DeviceStatus, StateChanged
from hub.runtime import Hub
from simulators.home import VirtualHome
from tests.served_hub import adopt_miio
from tests.waiting import next_event

#: How long a test waits for the hub to see something the simulator did.
SEEN_TIMEOUT = 15.0
#: Short retries so offline devices are noticed in a test's time.
FAST_POLICY = RetryPolicy(attempt_timeout=0.3, max_attempts=2, backoff_initial=0.05)


_FAMILIES = ("vacuum", "speaker", "humidifier", "air_purifier", "plug", "air_conditioner")


@pytest.fixture
def hub_config() -> dict[str, Any]:
    return {"polling": {"intervals": dict.fromkeys(_FAMILIES, "1s"), "unavailable_after": 2}}


@pytest.fixture
def miio_policy() -> RetryPolicy:
    return FAST_POLICY


def _miio_entries(home: VirtualHome) -> list[dict[str, Any]]:
    return [e for e in home.manifest() if e["transport"] == "miio"]


async def test_adopted_devices_carry_model_family_and_live_state(
    hub: Hub, driver: MiioDriver, home: VirtualHome
) -> None:
    changes = hub.bus.subscribe(StateChanged)
    await adopt_miio(driver, home)
    for entry in _miio_entries(home):
        device = hub.registry.get(entry["name"])
        assert device.id == f"miio:{entry['did']}"
        assert (device.model, device.family, device.room) == (
            entry["model"],
            entry["family"],
            entry["room"],
        )
        assert device.available
        assert device.status is DeviceStatus.OK
    # Every device's first poll lands in the state store.
    pending = {f"miio:{e['did']}" for e in _miio_entries(home)}
    async with asyncio.timeout(SEEN_TIMEOUT):
        while pending:
            pending.discard((await changes.get()).device_id)
    plug = hub.registry.get("desk_plug")
    truth = home.device("desk_plug").state()  # the wire value, as the plug reports it
    assert hub.state.get(plug.id, "power") is (truth["power"] == "on")
    # Tokens are remembered for the next start, under the device id.
    assert await hub.store.token_for(plug.id) == _entry(home, "desk_plug")["token"]


def _entry(home: VirtualHome, name: str) -> dict[str, Any]:
    return next(e for e in home.manifest() if e["name"] == name)


async def test_commands_reach_the_device_and_state_follows(
    hub: Hub, driver: MiioDriver, home: VirtualHome
) -> None:
    await adopt_miio(driver, home)
    changes = hub.bus.subscribe(StateChanged, where=lambda e: e.attribute == "power")
    before = home.device("desk_plug").state()["power"] == "on"
    command = "turn_off" if before else "turn_on"
    await hub.call("desk_plug", command)
    assert (home.device("desk_plug").state()["power"] == "on") is (not before)
    plug_id = hub.registry.get("desk_plug").id
    await next_event(
        changes, StateChanged, lambda e: e.device_id == plug_id and e.new is not before
    )
    received = [c["method"] for c in home.commands("desk_plug")]
    assert "set_power" in received


async def test_bad_commands_are_refused_before_anything_is_sent(
    hub: Hub, driver: MiioDriver, home: VirtualHome
) -> None:
    await adopt_miio(driver, home)
    sent_before = len(home.commands("bedroom_humidifier"))
    with pytest.raises(InvalidCommand) as info:
        await hub.call("bedroom_humidifier", "fly")
    assert "turn_on" in str(info.value)
    with pytest.raises(InvalidCommand, match="humidity"):
        await hub.call("bedroom_humidifier", "set_target_humidity", {"humidity": 500})
    # Polls may have run meanwhile; no command other than reads reached the device.
    new = [c["method"] for c in home.commands("bedroom_humidifier")[sent_before:]]
    assert set(new) <= {"get_properties"}


async def test_offline_device_is_reported_and_comes_back(
    hub: Hub, driver: MiioDriver, home: VirtualHome
) -> None:
    await adopt_miio(driver, home)
    availability = hub.bus.subscribe(DeviceAvailability)
    plug_id = hub.registry.get("desk_plug").id
    home.apply_faults("desk_plug", {"offline": True})
    gone = await next_event(availability, DeviceAvailability, lambda e: e.device_id == plug_id)
    assert not gone.available
    assert gone.status is DeviceStatus.UNREACHABLE  # silent to hello as well
    assert "no answer to 2 polls" in gone.reason
    assert "nor to hello" in gone.reason
    with pytest.raises(DeviceUnavailable):
        await hub.call("desk_plug", "turn_on", timeout=2)
    home.apply_faults("desk_plug", {"offline": False})
    back = await next_event(
        availability, DeviceAvailability, lambda e: e.device_id == plug_id, timeout=30
    )
    assert back.available
    assert back.status is DeviceStatus.OK


async def test_a_restart_is_reported_as_rebooted_then_ok(
    hub: Hub, driver: MiioDriver, home: VirtualHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    import drivers.miio.polling as miio_polling

    await adopt_miio(driver, home)
    availability = hub.bus.subscribe(DeviceAvailability)
    plug_id = hub.registry.get("desk_plug").id
    monkeypatch.setattr(miio_polling, "REBOOTED_SHOWN_FOR", 2.0)
    home.apply_faults("desk_plug", {"reboot": True})
    rebooted = await next_event(availability, DeviceAvailability, lambda e: e.device_id == plug_id)
    assert (rebooted.available, rebooted.status) == (True, DeviceStatus.REBOOTED)
    assert "restarted" in rebooted.reason
    assert hub.registry.get("desk_plug").status is DeviceStatus.REBOOTED
    await hub.call("desk_plug", "turn_on", timeout=5)  # usable all along
    settled = await next_event(availability, DeviceAvailability, lambda e: e.device_id == plug_id)
    assert (settled.available, settled.status) == (True, DeviceStatus.OK)


async def test_a_wrong_token_is_reported_as_such(
    hub: Hub, driver: MiioDriver, home: VirtualHome
) -> None:
    entry = _entry(home, "desk_plug")
    wrong = "f" * 32 if entry["token"] != "f" * 32 else "e" * 32
    with pytest.raises(PermissionError):
        await driver.adopt(Adoption(entry["address"], wrong, name="desk_plug"))
    device = hub.registry.get("desk_plug")
    assert device.status is DeviceStatus.AUTH_FAILED
    assert not device.available
    assert "token" in device.reason
    # The right token fixes it, with the real model learnt.
    fixed = await driver.adopt(Adoption(entry["address"], entry["token"], name="desk_plug"))
    assert (fixed.status, fixed.model, fixed.family) == (DeviceStatus.OK, entry["model"], "plug")


async def test_a_sweep_finds_every_device_and_adopts_those_with_tokens(
    hub: Hub, driver: MiioDriver, home: VirtualHome, block: str
) -> None:
    entries = _miio_entries(home)
    known, unknown = entries[:-1], entries[-1]
    for entry in known:
        await hub.store.set_token(
            f"did:{entry['did']}", entry["token"], name=entry["name"], room=entry["room"], at=0
        )
    found = await driver.discover([f"{block}.0/24"], timeout=1.0)
    by_did = {d.did: d for d in found}
    assert set(by_did) == {e["did"] for e in entries}
    for entry in known:
        result = by_did[entry["did"]]
        assert (result.token_known, result.already_added, result.name) == (
            True,
            True,
            entry["name"],
        )
        assert hub.registry.get(entry["name"]).room == entry["room"]
    stranger = by_did[unknown["did"]]
    # A device without a token is remembered, saying what it needs.
    assert (stranger.token_known, stranger.already_added) == (False, True)
    assert stranger.address == unknown["address"]
    assert unknown["name"] not in hub.registry
    remembered = hub.registry.get(f"miio_{unknown['did']}")
    assert (remembered.id, remembered.address, remembered.status) == (
        f"miio:{unknown['did']}",
        unknown["address"],
        DeviceStatus.UNKNOWN,
    )
    assert remembered.reason == f"token unknown: `mihub token set miio_{unknown['did']}`"


async def test_a_device_too_slow_for_a_whole_poll_is_reported_and_keeps_being_polled(
    hub: Hub, driver: MiioDriver, home: VirtualHome, monkeypatch: pytest.MonkeyPatch
) -> None:
    import drivers.miio.polling as miio_polling

    await adopt_miio(driver, home)
    availability = hub.bus.subscribe(DeviceAvailability)
    vacuum_id = hub.registry.get("living_room_vacuum").id
    # get_status + get_consumable at 200 ms each cannot fit a 0.3 s poll.
    monkeypatch.setattr(miio_polling, "POLL_TIMEOUT", 0.3)
    home.apply_faults("living_room_vacuum", {"delay_ms": 200})
    slow = await next_event(availability, DeviceAvailability, lambda e: e.device_id == vacuum_id)
    assert (slow.available, slow.status) == (False, DeviceStatus.TIMEOUT)
    assert "answers too slowly" in slow.reason
    home.apply_faults("living_room_vacuum", {"delay_ms": 0})
    back = await next_event(
        availability, DeviceAvailability, lambda e: e.device_id == vacuum_id, timeout=30
    )
    assert back.available  # the poller survived the slow spell


async def test_background_adoptions_talk_to_a_bounded_number_of_devices_at_once(
    hub: Hub, driver: MiioDriver, monkeypatch: pytest.MonkeyPatch
) -> None:
    import drivers.miio.adoption as miio_adoption

    bound = miio_adoption.MAX_CONCURRENT_ADOPTIONS
    count = bound + 20
    release, full, all_done = asyncio.Event(), asyncio.Event(), asyncio.Event()
    talking: set[str] = set()
    adopted: list[str] = []
    most_at_once = 0

    async def adopt(adoption: Adoption) -> None:  # stands in for hello + miIO.info
        nonlocal most_at_once
        talking.add(adoption.address)
        most_at_once = max(most_at_once, len(talking))
        if len(talking) == bound:
            full.set()
        await release.wait()
        talking.discard(adoption.address)
        adopted.append(adoption.address)
        if len(adopted) == count:
            all_done.set()

    monkeypatch.setattr(driver._adopter, "adopt", adopt)  # the retrying loop's one attempt
    for n in range(count):
        driver.adopt_soon(Adoption(f"127.77.0.{n + 1}", "0" * 32))
    async with asyncio.timeout(SEEN_TIMEOUT):
        await full.wait()
    for _ in range(10):  # give the others every chance to start too
        await asyncio.sleep(0)
    assert len(talking) == bound
    release.set()
    async with asyncio.timeout(SEEN_TIMEOUT):
        await all_done.wait()
    assert most_at_once == bound
    assert sorted(adopted) == sorted(f"127.77.0.{n + 1}" for n in range(count))
