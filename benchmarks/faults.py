"""Commands under packet loss, garbled replies and delay; recovery after device and broker faults.

    .venv/bin/python benchmarks/faults.py [--calls 25] [--short]

In one process: the simulated home on real UDP sockets (a loopback block of its
own, 127.16.x), its Zigbee2MQTT bridge on a Mosquitto process when Mosquitto is
installed, and a hub (miio driver, MQTT when there is a broker) driving it.

Commands: for each fault (20 % and 50 % of packets lost each way, 30 % of
replies garbled, replies 800 ms late where an attempt waits 500 ms), `--calls`
`say` calls to the kitchen speaker through `Hub.call`, each with its own text.
The speaker's own log of what it said is the truth: `executed` (said at least
once), `duplicated` (said more than once: the extra times; must be 0), `lost`
(never said; must be 0), `failed` calls by kind (`outcome_unknown`: "it may have
run"). The client behaves like an app: a call refused because the hub counts
the speaker unavailable (its polls failed too; nothing was sent) is sent again
once the speaker is back (`refused_while_unavailable`). The hub runs a retry policy for a lossy network (500 ms
attempts, up to 60 of them in a call's 30 s) so that a command gets through
even at 50 % loss; it is printed with the figures.

Recovery, in seconds of wall time, with the hub polling every 2 s, calling a
device unavailable after 2 missed polls and backing off to 10 s:
  reboot          the desk plug restarts: until the hub says `rebooted`, and
                  until a command to it succeeds;
  token_reset     the humidifier gets a new token (a Wi-Fi reset): until the hub
                  says `auth_failed`, then from `set_device_token` with the new
                  one until it is available again;
  vanish          the purifier goes silent: until `unreachable`, then from its
                  return until it is available;
  broker_restart  Mosquitto is stopped and started on its port: until a Zigbee
                  reading made after the restart is in the hub's state (null
                  without Mosquitto, with the reason).
The four run at once, each on its own device.
`--short` (CI) makes 3 calls per fault; the figures worth quoting come from a
full run on a quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import shutil
import socket
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from drivers.miio import MiioTransport, RetryPolicy
from drivers.miio.driver import Adoption, MiioDriver, miio_context
from drivers.mqtt import install_mqtt
from hub.config import HubConfig
from hub.errors import CommandOutcomeUnknown, DeviceUnavailable, HubError
from hub.events import DeviceAvailability, DeviceStatus, StateChanged
from hub.runtime import Hub
from simulators.home import VirtualHome
from simulators.miio.models.speaker import Speaker

FAULTS: dict[str, dict[str, Any]] = {
    "loss_20": {"drop": 0.2, "drop_replies": 0.2},
    "loss_50": {"drop": 0.5, "drop_replies": 0.5},
    "garbled_30": {"garbage": 0.3},
    "delay_800ms": {"delay_ms": 800},
}
NO_FAULTS = {"drop": 0.0, "drop_replies": 0.0, "garbage": 0.0, "delay_ms": 0.0}
#: 0.75 ** 60: no call runs out of attempts at 50 % loss each way.
POLICY = RetryPolicy(attempt_timeout=0.5, max_attempts=60, backoff_initial=0.05, backoff_max=0.5)
CALL_TIMEOUT = 30.0
#: An app sends a refused command again once the device is back, this often at most.
MAX_REFUSALS = 5
FAMILIES = ("plug", "speaker", "vacuum", "humidifier", "air_purifier", "air_conditioner")
AVAILABLE = (DeviceStatus.OK, DeviceStatus.REBOOTED)
POLLING: dict[str, Any] = {
    "intervals": dict.fromkeys(FAMILIES, "2s"),
    "unavailable_after": 2,
    "max_backoff": "10s",
}
#: Longest wait for one recovery step; a step that takes longer is reported as null.
STEP_TIMEOUT = 90.0
#: A Zigbee reading is made again this often until one reaches the hub after a restart.
REPORT_INTERVAL = 0.25
MOSQUITTO = ("/usr/sbin/mosquitto", "/usr/bin/mosquitto")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Mosquitto:
    """A broker process on 127.0.0.1:`port`, stopped and started by its PID."""

    def __init__(self, binary: str, directory: Path) -> None:
        self.port = _free_port()
        self.config = directory / "mosquitto.conf"
        self.config.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        )
        self.binary = binary
        self.proc: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            self.binary,
            "-c",
            str(self.config),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10.0
        while time.monotonic() < deadline:  # it says it is ready only by accepting
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            await asyncio.sleep(0.02)
        raise RuntimeError(f"mosquitto did not listen on {self.port} within 10 s")

    async def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 5.0)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def _until(
    hub: Hub, check: Callable[[], bool], timeout: float = STEP_TIMEOUT
) -> float | None:
    """Seconds until `check()` holds (re-checked on every availability or state event)."""
    started = time.monotonic()
    with hub.bus.subscribe(DeviceAvailability, StateChanged, name="bench-faults") as events:
        try:
            async with asyncio.timeout(timeout):
                while not check():
                    await events.get()
        except TimeoutError:
            return None
    return round(time.monotonic() - started, 3)


async def _say(hub: Hub, text: str, tally: Counter[str]) -> None:
    """One `say` as an app would send it: a refusal (503, the device is unavailable:
    nothing was sent) is sent again once the device is back; a failure is not."""
    available = _status_is(hub, "kitchen_speaker", *AVAILABLE)
    for _ in range(MAX_REFUSALS):
        try:
            await hub.call("kitchen_speaker", "say", {"text": text}, timeout=CALL_TIMEOUT)
        except DeviceUnavailable:
            tally["refused"] += 1
            await _until(hub, available)
            continue
        except CommandOutcomeUnknown:
            tally["outcome_unknown"] += 1
        except HubError as err:
            tally[type(err).__name__] += 1
        return
    tally["gave_up"] += 1


async def _commands(hub: Hub, home: VirtualHome, calls: int) -> dict[str, Any]:
    speaker = home.device("kitchen_speaker")
    assert isinstance(speaker, Speaker)
    results: dict[str, Any] = {}
    for fault, changes in FAULTS.items():
        await _until(hub, _status_is(hub, "kitchen_speaker", *AVAILABLE))
        home.apply_faults("kitchen_speaker", changes)
        texts = [f"{fault} #{n}" for n in range(calls)]
        tally: Counter[str] = Counter()
        started = time.monotonic()
        for text in texts:
            await _say(hub, text, tally)
        seconds = time.monotonic() - started
        home.apply_faults("kitchen_speaker", NO_FAULTS)
        said = Counter(u.text for u in speaker.spoken if u.text in set(texts))
        refused = tally.pop("refused", 0)
        results[fault] = {
            "sent": calls,
            "executed": len(said),
            "duplicated": sum(count - 1 for count in said.values()),
            "lost": sum(1 for text in texts if said[text] == 0),
            "failed": sum(tally.values()),
            "failures": dict(tally),
            "refused_while_unavailable": refused,
            "seconds_per_call": round(seconds / calls, 3),
        }
    return results


def _status_is(hub: Hub, name: str, *wanted: DeviceStatus) -> Callable[[], bool]:
    device_id = hub.registry.get(name).id
    return lambda: hub.registry.get(device_id).status in wanted


async def _reboot(hub: Hub, home: VirtualHome, name: str) -> dict[str, Any]:
    started = time.monotonic()
    home.apply_faults(name, {"reboot": True})
    noticed = await _until(hub, _status_is(hub, name, DeviceStatus.REBOOTED))
    await hub.call(name, "turn_on", timeout=CALL_TIMEOUT)
    return {"noticed_s": noticed, "command_ok_s": round(time.monotonic() - started, 3)}


async def _token_reset(hub: Hub, home: VirtualHome, name: str) -> dict[str, Any]:
    home.apply_faults(name, {"reset_token": True})
    noticed = await _until(hub, _status_is(hub, name, DeviceStatus.AUTH_FAILED))
    token = next(e["token"] for e in home.manifest() if e["name"] == name)
    await hub.set_device_token(name, token)
    recovered = await _until(hub, _status_is(hub, name, *AVAILABLE))
    return {"noticed_s": noticed, "recovered_s": recovered}


async def _vanish(hub: Hub, home: VirtualHome, name: str) -> dict[str, Any]:
    home.apply_faults(name, {"offline": True})
    noticed = await _until(hub, _status_is(hub, name, DeviceStatus.UNREACHABLE))
    home.apply_faults(name, {"offline": False})
    recovered = await _until(hub, _status_is(hub, name, *AVAILABLE))
    return {"noticed_s": noticed, "recovered_s": recovered}


async def _broker_restart(hub: Hub, home: VirtualHome, broker: Mosquitto | None) -> dict[str, Any]:
    if broker is None:
        return {"recovered_s": None, "note": "mosquitto is not installed"}
    name = "bedroom_sensor"
    if await _until(hub, lambda: name in hub.registry, timeout=30.0) is None:
        return {"recovered_s": None, "note": "the hub never adopted the Zigbee sensor"}
    device_id = hub.registry.get(name).id
    before = float(hub.state.get(device_id, "temperature") or 20.0)
    await broker.stop()
    await broker.start()
    restarted = time.monotonic()
    # A fresh reading each time, so the one that reaches the hub was made after the restart.
    made: list[float] = []
    loop = asyncio.get_running_loop()
    handle: list[asyncio.Handle] = []

    def report() -> None:
        made.append(round(before + 5.0 + 0.1 * len(made), 1))
        home.apply_state(name, {"temperature": made[-1]})
        handle.append(loop.call_later(REPORT_INTERVAL, report))

    def arrived() -> bool:
        value = hub.state.get(device_id, "temperature")
        return isinstance(value, int | float) and any(abs(value - m) < 0.01 for m in made)

    handle.append(loop.call_soon(report))
    try:
        seen = await _until(hub, arrived)
    finally:
        handle[-1].cancel()
    return {"recovered_s": None if seen is None else round(time.monotonic() - restarted, 3)}


@contextlib.asynccontextmanager
async def _running(
    directory: Path, broker: Mosquitto | None
) -> AsyncIterator[tuple[Hub, VirtualHome, MiioDriver]]:
    base_ip = f"127.16.{random.randint(1, 250)}.10"
    mqtt_url = broker.url if broker else None
    async with VirtualHome.default(seed=16, base_ip=base_ip, mqtt_url=mqtt_url) as home:
        config: dict[str, Any] = {"polling": POLLING}
        if broker is not None:
            config["mqtt"] = {"url": broker.url}
        hub = Hub(HubConfig.model_validate(config), data_dir=directory / "hub")
        if broker is not None:
            install_mqtt(hub)
        async with hub:
            transport = MiioTransport(bind_host="127.0.0.1", policy=POLICY, clock=hub.clock)
            await transport.start()
            driver = MiioDriver(miio_context(hub), transport=transport)
            hub.register_driver(driver)
            await driver.start()
            try:
                for entry in home.manifest():
                    if entry["transport"] == "miio":
                        await driver.adopt(
                            Adoption(entry["address"], entry["token"], name=entry["name"])
                        )
                yield hub, home, driver
            finally:
                await driver.stop()
                await transport.close()


async def run(calls: int, binary: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mihub-faults-") as tmp:
        directory = Path(tmp)
        broker = Mosquitto(binary, directory) if binary else None
        if broker is not None:
            await broker.start()
        try:
            async with _running(directory, broker) as (hub, home, driver):
                commands = await _commands(hub, home, calls)
                # Each fault on a device of its own, all at once: the slow part of
                # each is the hub's own waiting (call deadlines, poll intervals).
                steps = await asyncio.gather(
                    _reboot(hub, home, "desk_plug"),
                    _token_reset(hub, home, "bedroom_humidifier"),
                    _vanish(hub, home, "living_room_purifier"),
                    _broker_restart(hub, home, broker),
                )
                names = ("reboot", "token_reset", "vanish", "broker_restart")
                recovery = dict(zip(names, steps, strict=True))
                counters = driver.miio.counters.as_dict()
        finally:
            if broker is not None:
                await broker.stop()
    return {
        "benchmark": "faults",
        "commands": commands,
        "duplicated": sum(c["duplicated"] for c in commands.values()),
        "lost": sum(c["lost"] for c in commands.values()),
        "recovery": recovery,
        "policy": {
            "attempt_timeout_s": POLICY.attempt_timeout,
            "max_attempts": POLICY.max_attempts,
            "call_timeout_s": CALL_TIMEOUT,
        },
        "miio": {k: counters[k] for k in ("requests", "retries", "handshakes", "restarts")},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=25, help="commands per fault (default 25)")
    parser.add_argument("--short", action="store_true", help="3 calls per fault (CI)")
    args = parser.parse_args()
    binary = next((b for b in MOSQUITTO if Path(b).exists()), shutil.which("mosquitto"))
    result = asyncio.run(run(3 if args.short else args.calls, binary))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
