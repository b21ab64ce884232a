"""The one exception tree of mihub.

Every error a caller may want to handle derives from `HubError`; where a built-in
exception means the same thing, the subclass inherits it too, so callers can
catch either (`DeviceTimeout` is a `TimeoutError`).
"""

from __future__ import annotations

from typing import Any, ClassVar


class HubError(Exception):
    """Base of every mihub error.

    Each subclass says how the API answers it: `http_status` and `problem_type`
    (the slug of ``urn:mihub:problem:<slug>``), plus the fields of
    `problem_fields()`; the API's problem middleware reads them, so an error a
    feature raises cannot fall through to a 500 for want of a translation.
    """

    #: 500 for errors that are the hub's own fault (a bug); subclasses say otherwise.
    http_status: ClassVar[int] = 500
    problem_type: ClassVar[str] = "internal-error"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def problem_fields(self) -> dict[str, Any]:
        """Fields of the API's problem body beyond type, status, detail and hint."""
        device = getattr(self, "device", None)
        return {"device": device} if isinstance(device, str) else {}

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class ConfigError(HubError, ValueError):
    """A config or scene file is missing, unreadable or invalid."""

    http_status = 422
    problem_type = "invalid-request"

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

    def problem_fields(self) -> dict[str, Any]:
        return {"field": self.field}

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

    # The disk is full or failing: the hub runs on, and /api/health says why.
    http_status = 503
    problem_type = "storage-unavailable"


class DeviceNotFound(HubError, KeyError):
    """No device has this id or name."""

    http_status = 404
    problem_type = "device-not-found"

    def __init__(self, device: str) -> None:
        super().__init__(f"no device named or with id {device!r}", hint="see `mihub devices`")
        self.device = device

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return HubError.__str__(self)


class DuplicateDevice(HubError, ValueError):
    """A device id or name is already taken."""

    http_status = 409
    problem_type = "duplicate-device"


class DeviceNotRemovable(HubError, RuntimeError):
    """A running driver cannot let go of this device; it stays registered."""

    http_status = 409
    problem_type = "device-not-removable"

    def __init__(self, device: str, reason: str, *, hint: str | None = None) -> None:
        super().__init__(f"{device} cannot be removed: {reason}", hint=hint)
        self.device = device


class DeviceWasRemoved(HubError, RuntimeError):
    """A device a person removed answered again; it is adopted only once readmitted."""

    http_status = 409
    problem_type = "device-removed"

    def __init__(self, device: str, name: str) -> None:
        super().__init__(
            f"{name} ({device}) was removed from this hub",
            hint="give its token again (mihub token import, or mihub token set with its "
            "address or did) or list it under devices: in the config to add it back",
        )
        self.device = device


class InvalidCommand(HubError, ValueError):
    """A command or its parameters do not match the device's family spec."""

    http_status = 422
    problem_type = "invalid-command"

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

    def problem_fields(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "command": self.command,
            "field": self.field,
            "allowed": self.allowed,
        }


class DeviceUnavailable(HubError, ConnectionError):
    """The device is known but not reachable right now."""

    http_status = 503
    problem_type = "device-unavailable"

    def __init__(self, device: str, reason: str) -> None:
        super().__init__(f"device {device} is unavailable: {reason}")
        self.device = device
        self.reason = reason


class DeviceTimeout(HubError, TimeoutError):
    """The device did not answer within the deadline (after retries)."""

    http_status = 504
    problem_type = "device-timeout"

    def __init__(self, device: str, what: str, timeout: float) -> None:
        super().__init__(
            f"device {device} did not answer {what} within {timeout:g}s",
            hint="is it powered and on the network?",
        )
        self.device = device
        self.timeout = timeout


class CommandOutcomeUnknown(DeviceTimeout):
    """A command reached the device, its answer did not, and asking again could run it twice."""

    def __init__(self, device: str, what: str, timeout: float, why: str) -> None:
        super().__init__(device, what, timeout)
        self.message = f"device {device} {why} while running {what}: it may have run it"
        self.hint = "check its state before sending the command again"


class DeviceError(HubError):
    """The device answered with an error of its own."""

    http_status = 502
    problem_type = "device-error"

    def __init__(self, device: str, code: int, message: str) -> None:
        super().__init__(f"device {device} returned error {code}: {message}")
        self.device = device
        self.code = code
        self.device_message = message

    def problem_fields(self) -> dict[str, Any]:
        return {"device": self.device, "code": self.code}


class AuthenticationFailed(HubError, PermissionError):
    """A device token is wrong (the device stays silent or its reply does not decrypt)."""

    http_status = 503
    problem_type = "device-auth-failed"

    def __init__(self, device: str, detail: str) -> None:
        super().__init__(
            f"device {device}: {detail}", hint="check or set its token: `mihub token set`"
        )
        self.device = device


class ProtocolError(HubError, ValueError):
    """A packet or message could not be decoded."""

    http_status = 502
    problem_type = "device-protocol-error"
