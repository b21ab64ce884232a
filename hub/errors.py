"""The one exception tree of mihub.

Every error a caller may want to handle derives from `HubError`; where a built-in
exception means the same thing, the subclass inherits it too, so callers can
catch either (`DeviceTimeout` is a `TimeoutError`).
"""

from __future__ import annotations


class HubError(Exception):
    """Base of every mihub error."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class ConfigError(HubError, ValueError):
    """A config or scene file is missing, unreadable or invalid."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.path = path
        self.line = line
        self.column = column
        self.field = field
        #: Further problems found in the same file, reported after this one.
        self.more: tuple[ConfigError, ...] = ()

    def __str__(self) -> str:
        where = self.path or "<config>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: "
        if self.field:
            text += f"{self.field}: "
        text += self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class StorageError(HubError, OSError):
    """The hub's database could not be opened, migrated or written."""


class DeviceNotFound(HubError, KeyError):
    """No device has this id or name."""

    def __init__(self, device: str) -> None:
        super().__init__(f"no device named or with id {device!r}", hint="see `mihub devices`")
        self.device = device

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return HubError.__str__(self)


class DuplicateDevice(HubError, ValueError):
    """A device id or name is already taken."""


class InvalidCommand(HubError, ValueError):
    """A command or its parameters do not match the device's family spec."""

    def __init__(
        self,
        message: str,
        *,
        device: str | None = None,
        command: str | None = None,
        field: str | None = None,
        allowed: list[str] | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.device = device
        self.command = command
        self.field = field
        self.allowed = allowed


class DeviceUnavailable(HubError, ConnectionError):
    """The device is known but not reachable right now."""

    def __init__(self, device: str, reason: str) -> None:
        super().__init__(f"device {device} is unavailable: {reason}")
        self.device = device
        self.reason = reason


class DeviceTimeout(HubError, TimeoutError):
    """The device did not answer within the deadline (after retries)."""

    def __init__(self, device: str, what: str, timeout: float) -> None:
        super().__init__(
            f"device {device} did not answer {what} within {timeout:g}s",
            hint="is it powered and on the network?",
        )
        self.device = device
        self.timeout = timeout


class DeviceError(HubError):
    """The device answered with an error of its own."""

    def __init__(self, device: str, code: int, message: str) -> None:
        super().__init__(f"device {device} returned error {code}: {message}")
        self.device = device
        self.code = code
        self.device_message = message


class AuthenticationFailed(HubError, PermissionError):
    """A device token is wrong (the device stays silent or its reply does not decrypt)."""

    def __init__(self, device: str, detail: str) -> None:
        super().__init__(
            f"device {device}: {detail}", hint="check or set its token: `mihub token set`"
        )
        self.device = device


class ProtocolError(HubError, ValueError):
    """A packet or message could not be decoded."""
