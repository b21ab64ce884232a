"""SQLite storage: one writer thread, batched writes, versioned schema."""

from hub.storage.database import Database
from hub.storage.store import HubStore

__all__ = ["Database", "HubStore"]
