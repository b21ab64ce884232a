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

    The rest are what firmwares and networks do that a client must survive (each
    described where it is declared); all are off by default.
    """

    drop: float = 0.0
    drop_replies: float = 0.0
    delay_ms: float = 0.0
    garbage: float = 0.0
    offline: bool = False
    #: Junk, and a packet with a miio header but no valid checksum, before each reply.
    noise: bool = False
    #: An answer to the previous request id before each reply, and the reply twice.
    duplicates: bool = False
    #: The next reply is held back and sent after the one that follows (then off again).
    reorder: bool = False
    #: This many packets under the device's id, signed with another token, before each reply.
    forged: int = 0
    #: The next this-many answers are lost on their way out, after the device acted.
    lose_replies: int = 0
    #: Until the next hello, as after a restart: "ack_error" answers -9999 (and keeps that
    #: answer for the id), "silent" ignores requests; "" is normal service.
    until_hello: str = ""
    #: "ignore": no answer at all to an id it answered already (some firmwares), instead
    #: of the answer it gave then.
    repeated_ids: str = "answer"
    #: Answer a request it cannot verify with an error signed by its own token (some
    #: firmwares; python-miio reports "checksum error"), instead of staying silent.
    answer_unverified: bool = False
    #: Echo the token in miIO.info as real firmware does (off: it never reaches a log).
    leaky_info: bool = False
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def update(self, changes: dict[str, Any]) -> None:
        """Apply a partial change: any of the fields above but `rng`."""
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
        for name in (
            "offline",
            "noise",
            "duplicates",
            "reorder",
            "answer_unverified",
            "leaky_info",
        ):
            if name in changes:
                setattr(self, name, bool(changes[name]))
        for name in ("forged", "lose_replies"):
            if name in changes:
                count = changes[name]
                if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 1000:
                    raise ValueError(f"{name} is a count between 0 and 1000, got {count!r}")
                setattr(self, name, count)
        for name, choices in (
            ("until_hello", ("", "ack_error", "silent")),
            ("repeated_ids", ("answer", "ignore")),
        ):
            if name in changes:
                if changes[name] not in choices:
                    raise ValueError(f"{name} is one of {choices}, got {changes[name]!r}")
                setattr(self, name, changes[name])

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

    def lose_reply(self) -> bool:
        """Whether this answer is one of the next `lose_replies` to lose (counts it down)."""
        if self.lose_replies <= 0:
            return False
        self.lose_replies -= 1
        return True

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
            "noise": self.noise,
            "duplicates": self.duplicates,
            "reorder": self.reorder,
            "forged": self.forged,
            "lose_replies": self.lose_replies,
            "until_hello": self.until_hello,
            "repeated_ids": self.repeated_ids,
            "answer_unverified": self.answer_unverified,
            "leaky_info": self.leaky_info,
        }
