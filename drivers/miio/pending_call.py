"""One call in flight on a miio connection, and the wait for its answer.

The connection sends a call's requests and reads the device's datagrams; a
`PendingCall` is where the two meet. It keeps the request ids the call went
out under and the first verified answer to any of them, whenever it comes (a
later attempt, a hello or a backoff pause included). `wait` registers its
waiter before it awaits, arms the timeout with `loop.call_at` and clears both
in `finally`; the answer, a reply that does not verify, or the transport
closing end the wait early.
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass, field
from typing import Any, Final

# A packet from the device that fails verification ends the attempt this long
# after it unless a verified reply comes: the real reply may be queued behind
# junk, while a device answering a wrong token is reported within a second.
UNVERIFIED_REPLY_GRACE: Final = 0.2


class Signal(enum.Enum):
    """Why a wait ended without the answer."""

    TIMEOUT = "timeout"
    BAD_CHECKSUM = "bad checksum"
    CLOSED = "closed"


@dataclass(slots=True)
class PendingCall:
    """One call in flight: the ids it went out under and the answer once it came."""

    read: bool
    ids: set[int] = field(default_factory=set)
    # The first verified reply to one of `ids`, whenever it arrives (during a
    # later attempt, a hello or a backoff pause included).
    answer: dict[str, Any] | None = None
    # The current wait, woken by the answer, its timer or the transport closing.
    waiter: asyncio.Future[Signal | None] | None = None
    timer: asyncio.TimerHandle | None = None
    closed: bool = False
    checksum_failures: int = 0
    hello_answered: bool = False

    async def wait(self, seconds: float) -> Signal | None:
        """Wait up to `seconds` for the call's answer: None once it is there, else why not."""
        if self.answer is not None:
            return None
        if self.closed:
            return Signal.CLOSED
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Signal | None] = loop.create_future()
        self.waiter = waiter
        self.timer = loop.call_at(loop.time() + seconds, settle, waiter, Signal.TIMEOUT)
        try:
            return await waiter
        finally:
            self.timer.cancel()
            self.waiter = self.timer = None

    def answered(self, message: dict[str, Any]) -> None:
        """The device's verified reply to one of `ids`: the wait ends."""
        self.answer = message
        if self.waiter is not None:
            settle(self.waiter, None)

    def unverified_reply(self) -> None:
        """A reply under the device's id failed verification: end the wait soon after,
        unless a verified one comes first."""
        if self.waiter is None or self.timer is None:
            return
        self.checksum_failures += 1
        # It may be junk queued before our reply: give the real one a moment.
        loop = asyncio.get_running_loop()
        give_up_at = loop.time() + UNVERIFIED_REPLY_GRACE
        if give_up_at < self.timer.when():
            self.timer.cancel()
            self.timer = loop.call_at(give_up_at, settle, self.waiter, Signal.BAD_CHECKSUM)

    def close(self) -> None:
        """The transport closed: the wait ends, and so does the call."""
        self.closed = True
        if self.waiter is not None:
            settle(self.waiter, Signal.CLOSED)


def settle(future: asyncio.Future[Signal | None], outcome: Signal | None) -> None:
    """End a wait with `outcome`, unless it has already ended."""
    if not future.done():
        future.set_result(outcome)
