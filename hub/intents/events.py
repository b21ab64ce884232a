"""The bus event the intent engine publishes for every sentence it handles.

It lives in `hub.events` with the other hub-wide events; re-exported here for its users.
"""

from __future__ import annotations

from hub.events import IntentHandled

__all__ = ["IntentHandled"]
