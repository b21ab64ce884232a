"""Calls shaped by the MIoT spec (siid/piid/aiid) and the common miio ones.

Parameter shapes follow what the Mi Home app and python-miio 0.5.12 send
(`miio/miot_device.py`): each property carries a "did" tag the device echoes
back, so results can be matched to what was asked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, Final

from hub.errors import ProtocolError

# Devices refuse or truncate get_properties beyond ~16 items; python-miio asks
# 15 at a time and so do we.
MAX_PROPERTIES_PER_REQUEST: Final = 15
# The call timeout for a whole helper (several requests when properties are many).
HELPER_TIMEOUT: Final = 10.0


class MiotCalls:
    """MIoT and common miio calls on top of `send`."""

    name: str

    async def send(
        self, method: str, params: Any = None, *, timeout: float = HELPER_TIMEOUT
    ) -> Any:
        raise NotImplementedError  # MiioConnection implements it

    async def info(self, *, timeout: float = HELPER_TIMEOUT) -> dict[str, Any]:
        """`miIO.info`: model, firmware, MAC, network... (any token field removed)."""
        result = await self.send("miIO.info", timeout=timeout)
        if not isinstance(result, dict):
            raise ProtocolError(f"{self.name}: miIO.info answered with {type(result).__name__}")
        # Some firmwares include their token here; it must not travel further.
        return {key: value for key, value in result.items() if key != "token"}

    async def get_prop(self, names: Sequence[str], *, timeout: float = HELPER_TIMEOUT) -> list[Any]:
        """Legacy `get_prop`: one value per name, in order."""
        result = await self.send("get_prop", list(names), timeout=timeout)
        if not isinstance(result, list):
            raise ProtocolError(f"{self.name}: get_prop answered with {type(result).__name__}")
        return result

    async def get_properties(
        self, properties: Sequence[tuple[int, int]], *, timeout: float = HELPER_TIMEOUT
    ) -> list[dict[str, Any]]:
        """Read MIoT properties; one result dict per (siid, piid), with "code" and "value"."""
        params = [
            {"did": f"{siid}-{piid}", "siid": siid, "piid": piid} for siid, piid in properties
        ]
        return await self._batched("get_properties", params, timeout)

    async def set_properties(
        self, values: Sequence[tuple[int, int, Any]], *, timeout: float = HELPER_TIMEOUT
    ) -> list[dict[str, Any]]:
        """Write MIoT properties; one result dict per item, each with the device's "code"."""
        params = [
            {"did": f"set-{siid}-{piid}", "siid": siid, "piid": piid, "value": value}
            for siid, piid, value in values
        ]
        return await self._batched("set_properties", params, timeout)

    async def action(
        self, siid: int, aiid: int, params: Sequence[Any] = (), *, timeout: float = HELPER_TIMEOUT
    ) -> dict[str, Any]:
        """Run an MIoT action; the device's result object (with "code", maybe "out")."""
        request = {"did": f"call-{siid}-{aiid}", "siid": siid, "aiid": aiid, "in": list(params)}
        result = await self.send("action", request, timeout=timeout)
        if not isinstance(result, dict):
            raise ProtocolError(f"{self.name}: action answered with {type(result).__name__}")
        return result

    async def _batched(
        self, method: str, params: list[dict[str, Any]], timeout: float
    ) -> list[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        results: list[dict[str, Any]] = []
        for start in range(0, len(params), MAX_PROPERTIES_PER_REQUEST):
            chunk = params[start : start + MAX_PROPERTIES_PER_REQUEST]
            remaining = max(deadline - loop.time(), 0.001)
            result = await self.send(method, chunk, timeout=remaining)
            if not isinstance(result, list) or not all(isinstance(item, dict) for item in result):
                raise ProtocolError(f"{self.name}: {method} did not answer with a list of results")
            results.extend(result)
        return results
