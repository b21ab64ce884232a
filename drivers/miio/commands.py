"""Sending a command to an adopted miio device, and reading its state back.

A command the device accepted re-reads the device's state before it returns
(as Home Assistant's integrations refresh their coordinator after a set), so
whatever reads the state next, a question right after the command included,
sees the command's effect. A model mihub has no map for takes only the
generic commands.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any, Final

from drivers.families.miio_maps import MiioModelMap
from drivers.families.wire import WireRequest
from drivers.miio.connection import MiioConnection
from drivers.miio.polling import DevicePolls
from hub.errors import DeviceError, DeviceUnavailable, InvalidCommand
from hub.events import DeviceStatus
from hub.registry import Device

#: Commands understood by every miio device, whatever its model.
GENERIC_COMMANDS: Final = ("info", "send")
#: How long a command waits, after the device accepted it, for the re-read of the
#: device's state: one poll, 10-100 ms for most devices and ~2 s for a busy
#: vacuum's few requests. Past it the command returns and the state follows when
#: that poll ends.
STATE_REFRESH_TIMEOUT: Final = 3.0
#: What a command keeps of its deadline for itself when it waits for the re-read:
#: the command's result must not be lost to the wait running into the deadline.
STATE_REFRESH_MARGIN: Final = 0.25


async def send_command(
    polls: DevicePolls, device: Device, command: str, params: dict[str, Any], timeout: float
) -> Any:
    """Run `command` on `device` through its connection, then read its state back."""
    tracked = polls.get(device.id)
    if tracked is None:
        raise DeviceUnavailable(device.name, device.reason or "not adopted yet")
    if not device.available and device.status is not DeviceStatus.UNSUPPORTED_MODEL:
        polls.wake(device.id)  # check now whether it is back, for the next attempt
        raise DeviceUnavailable(device.name, device.reason)
    if tracked.model_map is None:
        return await _generic_call(device, tracked.connection, command, params, timeout)
    loop = asyncio.get_running_loop()
    give_up_at = loop.time() + timeout
    model_map = tracked.model_map
    results: list[Any] = []
    requests: Iterator[WireRequest]
    if isinstance(model_map, MiioModelMap):
        # Built one by one (lazily): a call may carry a value from an earlier reply.
        plan = model_map.plan(command, params)
        requests = (plan.request(index, results) for index in range(len(plan)))
    else:
        requests = iter(model_map.encode_command(command, params))
    for request in requests:
        result = await tracked.connection.send(request.method, request.params, timeout=timeout)
        results.append(_check_miot_codes(device.name, request, result))
    await _read_back(polls, device.id, give_up_at - STATE_REFRESH_MARGIN)
    return results[0] if len(results) == 1 else results


async def _read_back(polls: DevicePolls, device_id: str, latest: float) -> None:
    """Poll the device now and wait (until `latest` on the loop's clock at most) for
    that poll to end: its values are then in the state store."""
    refreshed = polls.refresh(device_id)
    if refreshed is None:
        return
    wait = min(STATE_REFRESH_TIMEOUT, latest - asyncio.get_running_loop().time())
    if wait > 0:
        # Not cancelled on timeout: the poll goes on, and updates the state when it ends.
        await asyncio.wait([refreshed], timeout=wait)


async def _generic_call(
    device: Device,
    connection: MiioConnection,
    command: str,
    params: dict[str, Any],
    timeout: float,
) -> Any:
    if command == "info":
        return await connection.info(timeout=timeout)
    if command == "send":
        method = params.get("method")
        if not isinstance(method, str) or not method:
            raise InvalidCommand(
                "send needs a method name", device=device.name, command=command, field="method"
            )
        return await connection.send(method, params.get("params"), timeout=timeout)
    raise InvalidCommand(
        f"{device.name} is a {device.model}, which mihub has no map for; "
        f"allowed commands: {', '.join(GENERIC_COMMANDS)}",
        device=device.name,
        command=command,
        allowed=list(GENERIC_COMMANDS),
    )


def _check_miot_codes(device: str, request: WireRequest, result: Any) -> Any:
    """MIoT answers per item with a code; a non-zero code is the device refusing."""
    items = result if isinstance(result, list) else [result]
    if request.method in ("set_properties", "action"):
        for item in items:
            if isinstance(item, dict) and item.get("code", 0) != 0:
                raise DeviceError(device, int(item["code"]), f"{request.method} refused")
    return result
