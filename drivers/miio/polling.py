"""Polling adopted miio devices and applying what a poll finds to the hub.

`DevicePolls` keeps each adopted device's connection and map, polls it from
the driver's one `PollScheduler`, writes the values it reads to the state
store and the outcome to the device's availability (ok, rebooted, timed out,
unreachable, wrong token), and backs off while a device stays silent.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Final

from drivers.miio.connection import MiioConnection
from drivers.miio.model_maps import MiioMap, ModelMaps
from drivers.miio.poll_scheduler import PollScheduler
from drivers.miio.settings import MiioSettings
from drivers.miio.transport import MiioTransport
from hub.driver_context import DriverContext
from hub.errors import (
    AuthenticationFailed,
    DeviceError,
    DeviceTimeout,
    DeviceUnavailable,
    ProtocolError,
)
from hub.events import DeviceStatus

_LOGGER = logging.getLogger(__name__)

#: Poll interval of a model with no family default (unknown models): they are
#: only checked for being alive.
GENERIC_POLL_INTERVAL: Final = 60.0
#: A poll gets this long for all its requests; longer than one call's retries.
POLL_TIMEOUT: Final = 12.0
#: Scheduled polls running at once. A device answers a poll in 10-100 ms, so
#: this serves hundreds of polls a second; bursts (a whole house adopted in the
#: same second, the network coming back) queue instead of holding hundreds of
#: polls' buffers at once. Polls a command asks for do not wait for a slot.
MAX_CONCURRENT_POLLS: Final = 64
#: A device whose stamp showed a restart reads `rebooted` (still available) for
#: this long, so people and scenes see it happened; then `ok` again.
REBOOTED_SHOWN_FOR: Final = 300.0


class PollTooSlow(DeviceTimeout):
    """The device answered, but a whole poll did not fit in `POLL_TIMEOUT`."""


@dataclass(slots=True)
class Tracked:
    """What the driver keeps per adopted device."""

    device_id: str
    connection: MiioConnection
    model_map: MiioMap | None
    interval: float
    misses: int = 0


class DevicePolls:
    """The adopted devices, each polled on its model's interval."""

    def __init__(
        self, ctx: DriverContext[MiioSettings], miio: MiioTransport, models: ModelMaps
    ) -> None:
        self._ctx = ctx
        self._miio = miio
        self._models = models
        self._polling = ctx.config.polling
        self._tracked: dict[str, Tracked] = {}
        self._scheduler = PollScheduler(
            self._poll_tracked,
            ctx.clock,
            max_concurrent=MAX_CONCURRENT_POLLS,
            task_prefix="miio-poll",
        )

    @property
    def ids(self) -> list[str]:
        """Ids of the devices being polled."""
        return list(self._tracked)

    def __contains__(self, device_id: object) -> bool:
        return device_id in self._tracked

    def get(self, device_id: str) -> Tracked | None:
        return self._tracked.get(device_id)

    def track(self, device_id: str, connection: MiioConnection, model_map: MiioMap | None) -> None:
        interval = self._interval(model_map)
        self._tracked[device_id] = Tracked(device_id, connection, model_map, interval)
        # First poll now (cancelling a running poll of the device it replaces).
        self._scheduler.schedule(device_id)

    def discard(self, device_id: str) -> Tracked | None:
        """Stop polling the device; what was kept of it, if it was tracked."""
        self._scheduler.discard(device_id)
        return self._tracked.pop(device_id, None)

    def wake(self, device_id: str) -> None:
        """Poll the device now."""
        self._scheduler.wake(device_id)

    def refresh(self, device_id: str) -> asyncio.Future[None] | None:
        """Poll the device now; done when that poll has ended (None if not tracked)."""
        return self._scheduler.refresh(device_id)

    async def stop(self) -> None:
        await self._scheduler.stop()
        self._tracked.clear()

    def _interval(self, model_map: MiioMap | None) -> float:
        if model_map is None:
            return self._polling.intervals.get("generic", GENERIC_POLL_INTERVAL)
        return self._polling.intervals.get(
            model_map.family, model_map.spec.poll_interval_s or GENERIC_POLL_INTERVAL
        )

    async def _adopt_spec_file(self, tracked: Tracked) -> None:
        """An unsupported model whose spec file has since appeared is served from it."""
        device = self._ctx.registry.find(tracked.device_id)
        model_map = None if device is None else await self._models.spec_map(device.model)
        if device is None or model_map is None:
            return
        tracked.model_map = model_map
        tracked.interval = self._interval(model_map)
        self._ctx.registry.update(device.id, family=model_map.family)
        self._models.assign(device.id, model_map)
        _LOGGER.info("%s (%s) is served from %s", device.name, device.model, model_map.source)

    async def _poll_tracked(self, device_id: str) -> float:
        """The scheduler's poll: poll the device, return the wait before the next poll."""
        return await self._poll_and_report(self._tracked[device_id])

    async def _poll_and_report(self, tracked: Tracked) -> float:
        """Poll once, record the outcome; returns how long to wait before the next poll."""
        registry = self._ctx.registry
        try:
            values = await self.poll_once(tracked)
        except AuthenticationFailed:
            registry.set_availability(tracked.device_id, DeviceStatus.AUTH_FAILED)
            return self._backoff(tracked)
        except DeviceTimeout as err:
            tracked.misses += 1
            if tracked.misses >= self._polling.unavailable_after:
                if isinstance(err, PollTooSlow):
                    status, reason = DeviceStatus.TIMEOUT, f"answers too slowly: {err.message}"
                else:
                    status, reason = await self._diagnose_silence(tracked)
                registry.set_availability(tracked.device_id, status, reason)
            return self._backoff(tracked)
        except (DeviceError, ProtocolError) as err:
            _LOGGER.warning("polling %s failed: %s", tracked.device_id, err)
            return tracked.interval
        except DeviceUnavailable:
            return self._backoff(tracked)
        except Exception:
            # A poller must outlive any surprise: log it and try again next interval.
            _LOGGER.exception("polling %s failed unexpectedly", tracked.device_id)
            return tracked.interval
        tracked.misses = 0
        status = (
            DeviceStatus.OK if tracked.model_map is not None else DeviceStatus.UNSUPPORTED_MODEL
        )
        restarted_at = tracked.connection.restarted_at
        if (
            status is DeviceStatus.OK
            and restarted_at is not None
            and self._ctx.clock.time() - restarted_at < REBOOTED_SHOWN_FOR
        ):
            status = DeviceStatus.REBOOTED
        reason = (
            "restarted (its uptime went back); reconnected"
            if status is DeviceStatus.REBOOTED
            else ""
        )
        registry.set_availability(tracked.device_id, status, reason)
        if values:
            self._ctx.state.update(tracked.device_id, values)
        return tracked.interval

    async def _diagnose_silence(self, tracked: Tracked) -> tuple[DeviceStatus, str]:
        """Why a device stopped answering polls: gone, or answering with another token."""
        host, port = tracked.connection.address
        hello = await self._miio.hello(host, port=port)
        if hello is not None:
            return (
                DeviceStatus.AUTH_FAILED,
                f"answers hello but not {tracked.misses} polls in a row: "
                "its token was probably reset; set the new one",
            )
        return (
            DeviceStatus.UNREACHABLE,
            f"no answer to {tracked.misses} polls in a row nor to hello: "
            "is it powered and on the network?",
        )

    def _backoff(self, tracked: Tracked) -> float:
        """Poll interval after a failed poll: doubling once the device counts as unavailable."""
        if tracked.misses < self._polling.unavailable_after:
            return tracked.interval
        extra = tracked.misses - self._polling.unavailable_after
        factor: float = 2.0 ** min(extra, 16)
        return min(tracked.interval * factor, self._polling.max_backoff)

    async def poll_once(self, tracked: Tracked) -> dict[str, Any]:
        """Every attribute the model reports, read now (None values dropped)."""
        connection = tracked.connection
        if tracked.model_map is None:
            await connection.info(timeout=POLL_TIMEOUT)  # unknown model: is it alive?
            await self._adopt_spec_file(tracked)
            return {}
        values: dict[str, Any] = {}
        try:
            async with asyncio.timeout(POLL_TIMEOUT):
                for request in tracked.model_map.poll_requests():
                    result = await connection.send(request.method, request.params)
                    values.update(tracked.model_map.decode(request, result))
        except DeviceTimeout:
            raise
        except TimeoutError:
            # The whole poll ran out: the device answers, but too slowly.
            raise PollTooSlow(connection.name, "a full poll", POLL_TIMEOUT) from None
        return {key: value for key, value in values.items() if value is not None}
