"""What the MQTT client says when a message handler raises: once in full, then counted.

A handler with a bug fails on every message it gets, and a Zigbee home sends
hundreds a minute: a traceback each time would bury the log (and the one line
that matters). The first failure of a handler is logged with its traceback;
later ones are counted and summarised in one line at most every
`FAILURE_SUMMARY_INTERVAL` seconds, and whatever is still uncounted is said
when the client stops or the handler is unsubscribed. The message itself goes
on to every other handler either way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

_LOGGER = logging.getLogger(__name__)

#: A handler that keeps failing is summarised at most this often: often enough to
#: see it is still failing, rarely enough that a handler broken for every message
#: writes one line a minute, not hundreds.
FAILURE_SUMMARY_INTERVAL: Final = 60.0
#: How much of an exception's text a summary line quotes.
_QUOTE_LIMIT: Final = 200


@dataclass(slots=True)
class _Failures:
    total: int = 0
    unreported: int = 0
    last_said_at: float = 0.0
    last_topic: str = ""
    last_error: str = ""


class HandlerFailures:
    """Failures of each message handler, and when they were last said."""

    def __init__(
        self, clock: Callable[[], float], *, interval: float = FAILURE_SUMMARY_INTERVAL
    ) -> None:
        self._clock = clock
        self.interval = interval
        self._by_handler: dict[Any, _Failures] = {}

    def failed(self, handler: Any, topic: str, error: BaseException) -> None:
        """Record that `handler` raised `error` on a message of `topic`."""
        failures = self._by_handler.get(handler)
        now = self._clock()
        if failures is None:
            self._by_handler[handler] = _Failures(total=1, last_said_at=now, last_topic=topic)
            _LOGGER.error(
                "handler %s for MQTT topic %s failed; its later failures are counted "
                "and summarised at most every %.0f s",
                _describe(handler),
                topic,
                self.interval,
                exc_info=error,
            )
            return
        failures.total += 1
        failures.unreported += 1
        failures.last_topic = topic
        failures.last_error = _error_text(error)
        if now - failures.last_said_at >= self.interval:
            self._summarise(handler, failures, now)

    def count(self, handler: Any) -> int:
        """How many times `handler` has failed."""
        failures = self._by_handler.get(handler)
        return 0 if failures is None else failures.total

    def flush(self, handler: Any | None = None) -> None:
        """Say what is still uncounted (of one handler, or of all) and forget them."""
        handlers = list(self._by_handler) if handler is None else [handler]
        now = self._clock()
        for key in handlers:
            failures = self._by_handler.pop(key, None)
            if failures is not None and failures.unreported:
                self._summarise(key, failures, now)

    def _summarise(self, handler: Any, failures: _Failures, now: float) -> None:
        _LOGGER.error(
            "handler %s for MQTT topics failed %d more times in %.0f s (%d in all); last on %s: %s",
            _describe(handler),
            failures.unreported,
            now - failures.last_said_at,
            failures.total,
            failures.last_topic,
            failures.last_error,
        )
        failures.unreported = 0
        failures.last_said_at = now


def _describe(handler: Any) -> str:
    return str(getattr(handler, "__qualname__", None) or type(handler).__qualname__)


def _error_text(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}"
    return text if len(text) <= _QUOTE_LIMIT else text[:_QUOTE_LIMIT] + "..."
