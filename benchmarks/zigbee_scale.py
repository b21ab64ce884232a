"""Zigbee at scale: 1,000 real definitions in one bridge/devices message, then state ingest.

A Mosquitto (``set_tcp_nodelay true``) and two hub processes side by side (only
the MQTT part: ``create_hub(include={"mqtt"})``): one is sent an empty device
list (the baseline), the other N devices cycling through the 300 models of
tests/fixtures/zigbee/definitions.json (zigbee-herdsman-converters 26.112.0),
each with its own address and name, in one retained ``bridge/devices`` message.
Measured:

- ``adopt_s``: from publishing the list until every device is registered and
  available in the hub (capabilities from exposes, specs assigned);
- ``rss_added_mb``: the hub's RSS after adoption minus the baseline hub's;
- ``ingest_msg_per_s``: M state messages (``{"linkquality": n}``, QoS 0, round
  robin over the devices) published as fast as paho can, divided by the time
  until the hub stored the last one.

Prints one JSON line. Targets (issue 12): adopt < 2 s, < 20 MB added, >= 2,000
msg/s; figures move with the machine's load: run it on a quiet machine.

    python benchmarks/zigbee_scale.py [--devices 1000] [--messages 20000] [--short]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import shutil
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "zigbee" / "definitions.json"
PAGE = os.sysconf("SC_PAGE_SIZE")
#: Generous bounds: every step takes well under a tenth of these on an idle machine.
STEP_TIMEOUT = 120.0
SENTINEL = 255  # a linkquality the round robin never sends (it cycles 0..199)


def _rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * PAGE / 1e6


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _entries(count: int) -> list[dict[str, Any]]:
    models = json.loads(FIXTURE.read_text())["devices"]
    out = []
    for i in range(count):
        entry = dict(models[i % len(models)])
        entry["ieee_address"] = f"0x{0x00158D0020000000 + i:016x}"
        entry["friendly_name"] = f"{entry['friendly_name']}_{i}"
        out.append(entry)
    return out


# -- the hub process -------------------------------------------------------------------------


async def _child(url: str, devices: int, data_dir: str) -> None:
    from hub.app import create_hub
    from hub.config import HubConfig
    from hub.config.models import MqttConfig
    from hub.events import Event, StateChanged

    # The baseline hub reads its own (empty) Zigbee2MQTT base topic.
    topic = "zigbee2mqtt" if devices else "zigbee2mqtt_empty"
    config = HubConfig(mqtt=MqttConfig(url=url, zigbee2mqtt_topic=topic))
    hub = create_hub(config, data_dir=Path(data_dir), include={"mqtt"})
    async with hub:
        with hub.bus.subscribe(Event, name="benchmark", maxsize=1_000_000) as events:
            print("ready", flush=True)

            def adopted() -> bool:
                zigbee = [d for d in hub.registry if d.transport == "zigbee"]
                return len(zigbee) == devices and all(d.available for d in zigbee)

            if devices:
                while not adopted():
                    await events.get()
                print(f"adopted {time.time()!r}", flush=True)
            reader = asyncio.StreamReader()
            loop = asyncio.get_running_loop()
            await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
            while line := (await reader.readline()).decode().strip():
                if line == "rss":
                    gc.collect()
                    print(f"rss {_rss_mb()!r}", flush=True)
                elif line.startswith("ingest "):
                    target = line.split()[1]
                    while True:
                        event = await events.get()
                        if (
                            isinstance(event, StateChanged)
                            and event.device_id == target
                            and event.new == SENTINEL
                        ):
                            break
                    print(f"ingested {time.time()!r}", flush=True)
                elif line == "quit":
                    break


# -- the measuring process ------------------------------------------------------------------


class _Hub:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    async def expect(self, word: str) -> str:
        assert self.proc.stdout is not None
        async with asyncio.timeout(STEP_TIMEOUT):
            while True:
                line = (await self.proc.stdout.readline()).decode()
                if not line:
                    raise SystemExit(f"the hub process ended before saying {word!r}")
                if line.startswith(word):
                    return line.split(maxsplit=1)[1].strip() if " " in line else ""

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{line}\n".encode())


async def _start_hub(url: str, devices: int, workdir: Path) -> _Hub:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--child", url, "--devices", str(devices),
        "--data-dir", str(workdir / f"data-{devices}"),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=ROOT,
    )  # fmt: skip
    hub = _Hub(proc)
    await hub.expect("ready")
    return hub


def _publisher(url: str) -> Any:
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    port = int(url.rsplit(":", 1)[1])
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-{os.getpid()}")
    client.max_queued_messages_set(0)
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


async def _measure(devices: int, messages: int, workdir: Path) -> dict[str, Any]:
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    port = _free_port()
    conf = workdir / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
        "set_tcp_nodelay true\n"
    )
    broker = await asyncio.create_subprocess_exec(
        binary, "-c", str(conf), stderr=asyncio.subprocess.DEVNULL
    )
    try:
        await asyncio.sleep(0.3)  # mosquitto binds within a few ms; a connect retry follows
        return await _run(f"mqtt://127.0.0.1:{port}", devices, messages, workdir)
    finally:
        broker.terminate()
        await broker.wait()


async def _run(url: str, devices: int, messages: int, workdir: Path) -> dict[str, Any]:
    entries = _entries(devices)
    client = _publisher(url)
    try:
        for base in ("zigbee2mqtt", "zigbee2mqtt_empty"):
            client.publish(f"{base}/bridge/state", json.dumps({"state": "online"}), retain=True)
        client.publish("zigbee2mqtt_empty/bridge/devices", "[]", retain=True)
        baseline = await _start_hub(url, 0, workdir)
        loaded = await _start_hub(url, devices, workdir)
        payload = json.dumps(entries)
        started = time.time()
        client.publish("zigbee2mqtt/bridge/devices", payload, qos=1, retain=True).wait_for_publish()
        adopted_at = float(await loaded.expect("adopted"))
        for hub in (baseline, loaded):
            hub.send("rss")
        base_rss = float(await baseline.expect("rss"))
        rss = float(await loaded.expect("rss"))
        target = f"zigbee:{entries[0]['ieee_address']}"
        loaded.send(f"ingest {target}")
        await asyncio.sleep(0.2)  # the hub reads the line before the flood
        names = [e["friendly_name"] for e in entries]
        first = time.time()
        for k in range(messages - 1):
            client.publish(f"zigbee2mqtt/{names[k % devices]}", f'{{"linkquality":{k % 200}}}')
        client.publish(f"zigbee2mqtt/{names[0]}", f'{{"linkquality":{SENTINEL}}}')
        ingested_at = float(await loaded.expect("ingested"))
        for hub in (baseline, loaded):
            hub.send("quit")
            await hub.proc.wait()
    finally:
        client.loop_stop()
        client.disconnect()
    return {
        "benchmark": "zigbee_scale",
        "devices": devices,
        "models": len({e["definition"]["model"] for e in entries}),
        "bridge_devices_bytes": len(payload),
        "adopt_s": round(adopted_at - started, 3),
        "baseline_rss_mb": round(base_rss, 1),
        "rss_mb": round(rss, 1),
        "rss_added_mb": round(rss - base_rss, 1),
        "ingest_messages": messages,
        "ingest_msg_per_s": round(messages / (ingested_at - first)),
        "targets": {"adopt_s": 2.0, "rss_added_mb": 20.0, "ingest_msg_per_s": 2000},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--short", action="store_true", help="100 devices, 2,000 messages (CI)")
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        asyncio.run(_child(args.child, args.devices, args.data_dir))
        return
    devices, messages = (100, 2000) if args.short else (args.devices, args.messages)
    with tempfile.TemporaryDirectory(prefix="zigbee-scale-") as tmp:
        print(json.dumps(asyncio.run(_measure(devices, messages, Path(tmp)))))


if __name__ == "__main__":
    main()
