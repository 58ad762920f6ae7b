"""Store backends behind one protocol; `open_store(settings)` picks the configured one."""

from __future__ import annotations

from core.config import Settings
from core.errors import ConfigError
from core.store.base import (
    MonthPriorityAggregate,
    PassageHit,
    SearchPage,
    StatementFilters,
    StatementHit,
    Store,
    UpsertResult,
    mapping_fields,
)

__all__ = [
    "MonthPriorityAggregate",
    "PassageHit",
    "SearchPage",
    "StatementFilters",
    "StatementHit",
    "Store",
    "UpsertResult",
    "mapping_fields",
    "open_store",
]


def open_store(settings: Settings) -> Store:
    """Open the store named by settings.store (SQLite at settings.db_path by default)."""
    if settings.store == "elasticsearch":
        raise ConfigError("the Elasticsearch backend is not available yet (issue 7)")
    # Imported here so that importing core.store stays cheap for modules that only need the types.
    from core.store.sqlite import SQLiteStore

    return SQLiteStore(settings.db_path)
