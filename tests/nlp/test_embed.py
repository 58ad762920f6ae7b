"""Embeddings: unit-length float32 vectors, and cache hits never touch the model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlp.embed import Embedder

pytestmark = pytest.mark.slow


def test_vectors_are_normalised(embedder: Embedder) -> None:
    vecs = embedder.encode(["Human rights defenders must be protected.", "The ocean is vast."])
    assert vecs.dtype == np.float32
    assert vecs.shape == (2, embedder.dim) and embedder.dim == 384
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert embedder.model_id == "all-MiniLM-L6-v2"


def test_similar_texts_are_closer(embedder: Embedder) -> None:
    a, b, c = embedder.encode([
        "Activists are being jailed for speaking out.",
        "Human rights defenders face imprisonment for their advocacy.",
        "The recipe needs two cups of flour.",
    ])
    assert float(a @ b) > float(a @ c) + 0.2


def test_cache_hit_skips_the_model(embedder: Embedder, embed_cache: Path) -> None:
    texts = ["A sentence only this test embeds (cache check 1).", "And another one (cache check 2)."]
    before = embedder.model_calls
    first = embedder.encode(texts)
    assert embedder.model_calls == before + 2
    again = embedder.encode(texts + texts[:1])
    assert embedder.model_calls == before + 2  # all hits
    np.testing.assert_allclose(again[:2], first, atol=1e-6)
    np.testing.assert_allclose(again[2], first[0], atol=1e-6)

    # A second embedder on the same cache file answers without ever loading the model.
    other = Embedder(cache_path=embed_cache)
    got = other.encode(texts)
    assert other.model_calls == 0 and other._model is None
    np.testing.assert_allclose(got, first, atol=1e-6)
    other.close()


def test_progress_counts_every_text(embedder: Embedder) -> None:
    seen: list[int] = []
    embedder.encode(["progress one", "progress two", "progress one"], progress=seen.append)
    assert sum(seen) == 3


def test_empty_input(embedder: Embedder) -> None:
    assert embedder.encode([]).shape[0] == 0


def test_no_cache_path_still_works(embedder: Embedder) -> None:
    plain = Embedder()
    plain._model = embedder.model  # share the loaded model: no second load
    vec = plain.encode(["No cache here."])
    assert vec.shape == (1, 384) and plain.model_calls == 1
