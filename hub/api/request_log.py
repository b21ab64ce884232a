"""What the HTTP server logs about requests it could not even parse.

aiohttp logs a malformed request (a header line over 8,190 bytes, a bad
character) with a traceback whose message quotes the request's first 100
bytes, an `Authorization: Bearer mh_...` header included. The server's logger
here turns those into one line that says what was wrong and from where, and
scrubs whatever else it logs the way the hub's handlers do.
"""

from __future__ import annotations

import logging

from aiohttp.http_exceptions import HttpProcessingError

from hub.logsetup import SecretFilter

#: The logger aiohttp's request handler is given instead of its own `aiohttp.server`.
SERVER_LOGGER = logging.getLogger("hub.api.http")
#: One line per request (its request line, with whatever query a client put there).
ACCESS_LOGGER = logging.getLogger("hub.api.requests")


class _BadRequestFilter(logging.Filter):
    """Replace the traceback of an unparseable request with one line naming the error."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            remote = record.args[0] if isinstance(record.args, tuple) and record.args else None
            record.msg = "refused a malformed request from %s: %s (HTTP %s)"
            record.args = (remote, type(error).__name__, error.code)
            record.exc_info = None
            record.exc_text = None
            if record.levelno > logging.INFO:  # the client's mistake, not the hub's
                record.levelno, record.levelname = logging.INFO, "INFO"
        return True


SERVER_LOGGER.addFilter(_BadRequestFilter())
# Scrubbed here as well as in the hub's handlers: an app that embeds the API logs
# through handlers of its own.
SERVER_LOGGER.addFilter(SecretFilter())
ACCESS_LOGGER.addFilter(SecretFilter())
