"""The lazy embedder holder: created once, on first use, even under concurrent requests."""

from __future__ import annotations

import threading
import time

from api.deps import EmbedderProvider


def test_provider_creates_once_under_concurrency() -> None:
    calls: list[int] = []

    def factory() -> object:
        calls.append(1)
        time.sleep(0.05)  # a slow load widens the race window
        return object()

    provider = EmbedderProvider(factory, model_id="m")
    assert provider.loaded is False
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(provider.get())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert len(results) == 8 and all(r is results[0] for r in results)
    assert provider.loaded is True
