"""FastAPI dependencies: the objects the lifespan puts on app.state (settings, store, agenda, embedder)."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from typing import Any

from fastapi import Request

from core.config import Settings
from core.errors import StoreUnavailable
from core.store.base import Store


class EmbedderProvider:
    """Creates the embedder on first use, once, even when several requests ask at the same time."""

    def __init__(self, factory: Callable[[], Any], model_id: str, instance: Any | None = None) -> None:
        self._factory = factory
        self.model_id = model_id  # known without loading: analyses are tagged with it
        self._instance = instance
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        """Whether the model has been loaded yet."""
        return self._instance is not None

    def get(self) -> Any:
        """The embedder, loading it on the first call."""
        # Double-checked: the common path takes no lock; the model loads at most once.
        if self._instance is None:
            with self._lock:
                if self._instance is None:
                    instance = self._factory()
                    if hasattr(instance, "encode"):
                        instance.encode(["warm up"])  # the model itself loads on the first encode
                    self._instance = instance
                    # The model is hundreds of thousands of long-lived objects: keep them out of the
                    # garbage collector's full passes (each would stall a request).
                    gc.collect()
                    gc.freeze()
        return self._instance

    def close(self) -> None:
        """Release the embedder's cache connection if it was created."""
        if self._instance is not None and hasattr(self._instance, "close"):
            self._instance.close()


def get_settings(request: Request) -> Settings:
    """The app's Settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_store(request: Request) -> Store:
    """The open store (503 when the lifespan could not open it)."""
    store: Store | None = getattr(request.app.state, "store", None)
    if store is None:
        raise StoreUnavailable("the store is not open")
    return store


def get_agenda(request: Request) -> Any:
    """The loaded agenda (id, title, version, priorities)."""
    return request.app.state.agenda


def get_embedder_provider(request: Request) -> EmbedderProvider:
    """The lazy embedder holder (call .get() only when a query needs a vector)."""
    provider: EmbedderProvider = request.app.state.embedder
    return provider
