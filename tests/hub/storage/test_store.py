from __future__ import annotations

from pathlib import Path

from hub.auth import find_token, hash_api_token, new_api_token
from hub.driver_context import RemovedDevice
from hub.events import DeviceStatus
from hub.registry import Device
from hub.storage import Database, HubStore


async def _open(tmp_path: Path) -> HubStore:
    db = Database(tmp_path / "mihub.db")
    await db.open()
    return HubStore(db)


async def test_devices_state_and_history_round_trip(tmp_path: Path) -> None:
    store = await _open(tmp_path)
    try:
        device = Device(
            id="miio:7",
            name="desk_plug",
            family="plug",
            model="chuangmi.plug.m1",
            transport="miio",
            address="127.0.0.15",
            room="study",
            added_at=10.0,
            last_seen=20.0,
            available=True,
            status=DeviceStatus.OK,
        )
        store.save_device(device)
        store.record_state("miio:7", "power", True, 21.0)
        store.record_state("miio:7", "power", False, 22.0)
        store.record_state("miio:7", "temperature", 31.5, 22.0)
        [loaded] = await store.load_devices()
        # Availability is live, never restored: a device is unknown until it answers again.
        assert loaded.status is DeviceStatus.UNKNOWN
        assert (loaded.name, loaded.room, loaded.last_seen) == ("desk_plug", "study", 20.0)
        state = await store.load_state()
        assert sorted(state["miio:7"]) == [("power", False, 22.0), ("temperature", 31.5, 22.0)]
        assert await store.history("miio:7", "power") == [(21.0, True), (22.0, False)]
        assert await store.history("miio:7", "power", since=21.5) == [(22.0, False)]
        assert await store.prune_history(21.5) == 1
        assert await store.history("miio:7", "power") == [(22.0, False)]
        store.delete_device("miio:7")
        assert await store.load_devices() == []
        assert await store.load_state() == {}
        assert await store.history("miio:7", "power") == []  # history goes with it
    finally:
        await store.db.close()


async def test_device_tokens_keep_name_and_room_when_updated(tmp_path: Path) -> None:
    store = await _open(tmp_path)
    try:
        await store.set_token("did:5", "a" * 32, name="kitchen_speaker", room="kitchen", at=1.0)
        await store.set_token("did:5", "b" * 32, at=2.0)
        [entry] = await store.tokens()
        assert (entry.token, entry.name, entry.room) == ("b" * 32, "kitchen_speaker", "kitchen")
        assert await store.token_for("miio:5", "did:5") == "b" * 32
        assert await store.token_for("address:127.0.0.1") is None
    finally:
        await store.db.close()


async def test_api_tokens_are_stored_hashed_and_revocable(tmp_path: Path) -> None:
    store = await _open(tmp_path)
    try:
        secret = new_api_token()
        token_id = await store.add_api_token("phone", hash_api_token(secret), 1.0)
        hashes = await store.api_token_hashes()
        assert find_token(secret, hashes) == token_id
        assert find_token(secret + "x", hashes) is None
        rows = await store.db.fetchall("SELECT * FROM api_tokens")
        assert secret not in repr([tuple(r) for r in rows])
        assert await store.revoke_api_token("phone", 2.0)
        assert not await store.revoke_api_token("phone", 3.0)
        assert find_token(secret, await store.api_token_hashes()) is None
        [record] = await store.api_tokens()
        assert record.revoked_at == 2.0
    finally:
        await store.db.close()


async def test_removed_devices_are_remembered_until_a_token_readmits_them(
    tmp_path: Path,
) -> None:
    store = await _open(tmp_path)
    try:
        store.remember_removed(RemovedDevice("miio:7", "desk_plug", "127.0.0.15", 5.0))
        store.remember_removed(RemovedDevice("miio:8", "hall_lamp", "127.0.0.16", 6.0))
        store.remember_removed(RemovedDevice("miio:9", "fan", None, 7.0))
        await store.set_token("did:7", "a" * 32, at=1.0)
        await store.set_token("address:127.0.0.15", "a" * 32, at=1.0)
        await store.set_token("did:8", "b" * 32, at=1.0)
        store.delete_tokens(["miio:7", "did:7", "address:127.0.0.15"])
        assert await store.token_keys() == {"did:8"}
        assert [r.id for r in await store.removed_devices()] == ["miio:7", "miio:8", "miio:9"]
        # A token given by did, by address or by id names the device it readmits.
        assert await store.readmit("did:1") is None
        assert await store.readmit("address:127.0.0.16") == RemovedDevice(
            "miio:8", "hall_lamp", "127.0.0.16", 6.0
        )
        assert (await store.readmit("did:7") or RemovedDevice("", "", None, 0)).name == "desk_plug"
        assert await store.readmit("miio:9") is not None
        assert await store.removed_devices() == []
    finally:
        await store.db.close()
