"""A small error tree. Backends and parsers raise these; the CLI and API translate them at the edge."""

from __future__ import annotations


class SgwatchError(Exception):
    """Base of every error sgwatch raises on purpose."""


class ConfigError(SgwatchError):
    """A setting or a configuration file (e.g. an agenda) is invalid."""


class AgendaError(ConfigError):
    """The agenda file is missing or does not follow the schema."""


class GoldFileError(ConfigError):
    """A gold file for `sgwatch eval` does not follow data/gold/EVALUATION.md."""


class StoreError(SgwatchError):
    """The store failed; backend exception types never leak past this."""


class StoreUnavailable(StoreError):
    """The store cannot be reached (e.g. Elasticsearch is down). API: 503."""


class NotFound(SgwatchError):
    """A requested object does not exist. API: 404."""


class InvalidQuery(SgwatchError):
    """A search query or filter cannot be used. API: 422."""


class ExtractionError(SgwatchError):
    """A page could not be turned into a statement (the crawler skips and counts it)."""

    def __init__(self, reason: str, message: str = "") -> None:
        super().__init__(message or reason)
        self.reason = reason
