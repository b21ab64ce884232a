"""Logging for the hub process: to stderr, with secrets scrubbed as a last line of defence."""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

from hub.config import LoggingConfig

#: A miio token (32 hex chars), a mihub API token (`mh_` + 43 url-safe chars, or
#: any piece of one: a library may cut a line anywhere), and whatever follows
#: `Bearer` or the WebSocket subprotocol that carries a token.
_SECRET = re.compile(
    r"\b[0-9a-fA-F]{32}\b|\bmh_[A-Za-z0-9_-]+|\bBearer\s+[^\s'\"]+|mihub\.bearer\.[^\s,'\"]+"
)
REDACTED = "<redacted>"


def redact(text: str) -> str:
    return _SECRET.sub(REDACTED, text)


class SecretFilter(logging.Filter):
    """Replace anything shaped like a device or API token in a record with `<redacted>`.

    Code must never log a token; this filter exists so a mistake does not leak one.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = redact(message)
        if scrubbed != message:
            record.msg = scrubbed
            record.args = None
        # A traceback quotes what it was given (aiohttp's bad-request errors quote the
        # request's first 100 bytes): format it here, scrubbed, so the handler's
        # formatter uses this text instead of formatting the exception again.
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(_FORMATTER.formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FORMATTER = logging.Formatter()


#: Libraries that log routine work at INFO (amqtt's state machine logs every
#: transition); `logging.loggers` in the config can still turn them up.
_QUIET_LIBRARIES = {"transitions": logging.WARNING, "amqtt": logging.WARNING}


def configure_logging(config: LoggingConfig, *, stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
    )
    handler.addFilter(SecretFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(config.level.upper())
    for library, quiet in _QUIET_LIBRARIES.items():
        logging.getLogger(library).setLevel(quiet)
    for name, level in config.loggers.items():
        logging.getLogger(name).setLevel(level.upper())
