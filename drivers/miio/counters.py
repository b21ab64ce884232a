"""Running totals of the miio stack, kept for diagnostics."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(slots=True)
class MiioCounters:
    """Totals since start, per transport and per connection."""

    requests: int = 0  # calls asked for (one per send, whatever its attempts)
    replies: int = 0  # verified replies matched to a call
    retries: int = 0  # attempts beyond the first
    timeouts: int = 0  # calls that failed with DeviceTimeout
    handshakes: int = 0  # hello exchanges made to (re)learn id and stamp
    restarts: int = 0  # restarts seen in a device's stamp going back
    device_errors: int = 0  # replies carrying an error object
    auth_failures: int = 0  # well-formed packets failing the checksum (wrong token?)
    dropped: int = 0  # malformed, foreign, stale or duplicate packets

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
