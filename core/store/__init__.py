"""Store backends behind one protocol; `open_store(settings)` picks the configured one."""

from __future__ import annotations

from core.config import Settings
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
    """Open the store named by settings.store (SQLite at settings.db_path by default, or Elasticsearch).

    Elasticsearch unreachable or red raises StoreUnavailable; SGWATCH_ELASTICSEARCH_URL missing, ConfigError.
    """
    if settings.store == "elasticsearch":
        # Imported here: the client is only needed when Elasticsearch is the configured store.
        from core.store.elastic import ElasticStore

        return ElasticStore.from_settings(settings)
    # Imported here so that importing core.store stays cheap for modules that only need the types.
    from core.store.sqlite import SQLiteStore

    return SQLiteStore(settings.db_path)
