"""Fault injection for one simulated miio device, changed at run time.

A real Mi device on a flaky Wi-Fi loses packets, answers late, reboots, or drops
off the network; the hub must cope with all of it. `FaultPlan` says what to do
to the next packets, and `FaultDecision` is what the server does with one.
"""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass, field
from typing import Any


class PacketFate(enum.Enum):
    """What happens to one incoming packet."""

    ANSWER = "answer"
    DROP = "drop"
    GARBAGE = "garbage"


@dataclass(slots=True)
class FaultPlan:
    """Current faults of one device; every share is a probability in [0, 1].

    `drop` loses requests on their way in (the device never sees them);
    `drop_replies` loses answers on their way out, after the device acted on the
    request: the loss that tempts a client to run a command twice.
    """

    drop: float = 0.0
    drop_replies: float = 0.0
    delay_ms: float = 0.0
    garbage: float = 0.0
    offline: bool = False
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a partial change (`drop`, `drop_replies`, `delay_ms`, `garbage`, `offline`)."""
        for name in ("drop", "drop_replies", "garbage"):
            if name in changes:
                value = float(changes[name])
                if not 0.0 <= value <= 1.0:
                    raise ValueError(f"{name} is a share between 0 and 1, got {value}")
                setattr(self, name, value)
        if "delay_ms" in changes:
            delay = float(changes["delay_ms"])
            if not 0.0 <= delay <= 60_000.0:
                raise ValueError(f"delay_ms must be between 0 and 60000, got {delay}")
            self.delay_ms = delay
        if "offline" in changes:
            self.offline = bool(changes["offline"])

    def fate(self) -> PacketFate:
        """Draw the fate of one packet (offline devices drop everything)."""
        if self.offline:
            return PacketFate.DROP
        if self.drop and self.rng.random() < self.drop:
            return PacketFate.DROP
        if self.garbage and self.rng.random() < self.garbage:
            return PacketFate.GARBAGE
        return PacketFate.ANSWER

    def reply_lost(self) -> bool:
        """Draw whether one answer is lost on its way out."""
        return bool(self.drop_replies) and self.rng.random() < self.drop_replies

    def garbage_bytes(self, packet_size: int) -> bytes:
        """Random bytes shaped like a reply (sometimes a valid magic, never valid)."""
        size = max(1, min(1024, packet_size + self.rng.randint(-16, 16)))
        junk = bytearray(self.rng.randbytes(size))
        if size >= 4 and self.rng.random() < 0.5:
            # Looks like a miio packet at first glance; the checksum cannot match.
            junk[0:2] = b"\x21\x31"
            junk[2:4] = size.to_bytes(2, "big")
        return bytes(junk)

    def as_dict(self) -> dict[str, Any]:
        return {
            "drop": self.drop,
            "drop_replies": self.drop_replies,
            "delay_ms": self.delay_ms,
            "garbage": self.garbage,
            "offline": self.offline,
        }
