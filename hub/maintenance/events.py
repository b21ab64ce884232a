"""The bus event the maintenance tracker publishes when a prompt changes.

It lives in `hub.events` so that what publishes it elsewhere (the MQTT mirror)
needs no part of the maintenance package; re-exported here for its users.
"""

from __future__ import annotations

from hub.events import MaintenancePrompt

__all__ = ["MaintenancePrompt"]
