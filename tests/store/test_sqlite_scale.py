"""The SQLite store's large-corpus paths, checked against brute force on a 50,000+ passage corpus.

Above 50,000 passages semantic search scans an int8 matrix and re-ranks with float16 vectors, and
keyword queries with more than 20,000 matches are ranked by BM25 with term frequency 1; small test
corpora never reach either path, so this builds one with benchmarks/make_corpus.py (no model).
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from core.store.base import StatementFilters
from core.store.sqlite import SQLiteStore
from core.store.sqlite_index import EXACT_VECTORS

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SQLiteStore]:
    data = tmp_path_factory.mktemp("scale")
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "--data-dir", str(data),
                    "--statements", "1800", "--seed", "3"], check=True, capture_output=True, timeout=600)
    store = SQLiteStore(data / "sgwatch.sqlite3")
    yield store
    store.close()


def _brute_force(store: SQLiteStore, qv: np.ndarray, allowed: set[str] | None = None) -> list[tuple[str, float]]:
    conn = sqlite3.connect(store.path)
    rows = conn.execute("SELECT passage_id, vector FROM vectors").fetchall()
    conn.close()
    ids = [r[0] for r in rows]
    m = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4").reshape(len(rows), -1)
    m = m / np.linalg.norm(m, axis=1, keepdims=True)
    sims = m @ (qv / np.linalg.norm(qv))
    ranked = sorted(zip(ids, sims.tolist(), strict=True), key=lambda x: (-x[1], x[0]))
    return [x for x in ranked if allowed is None or x[0] in allowed]


def test_corpus_is_past_the_exact_threshold(big: SQLiteStore) -> None:
    assert big.stats()["passages"] > EXACT_VECTORS


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_int8_semantic_search_matches_brute_force(big: SQLiteStore, seed: int) -> None:
    rng = np.random.default_rng(seed)
    qv = rng.standard_normal(384).astype(np.float32)
    page = big.search_passages(None, StatementFilters(), mode="semantic", query_vector=qv, limit=20)
    expected = _brute_force(big, qv)[:20]
    assert page.total == big.stats()["passages"]
    assert [h.passage.id for h in page.items] == [pid for pid, _ in expected]
    np.testing.assert_allclose([h.score for h in page.items], [s for _, s in expected], atol=1e-5)


def test_int8_semantic_search_with_filters(big: SQLiteStore) -> None:
    qv = np.random.default_rng(9).standard_normal(384).astype(np.float32)
    f = StatementFilters(source="press.un.org", date_from=date(2012, 1, 1), date_to=date(2015, 12, 31))
    page = big.search_passages(None, f, mode="semantic", query_vector=qv, limit=10)
    conn = sqlite3.connect(big.path)
    allowed = {r[0] for r in conn.execute(
        "SELECT p.id FROM passages p JOIN statements s ON s.id = p.statement_id WHERE "
        "COALESCE(s.delivery_date, s.release_date, s.url_date) BETWEEN '2012-01-01' AND '2015-12-31' AND "
        "(s.source = 'press.un.org' OR EXISTS (SELECT 1 FROM json_each(s.sources) j "
        "WHERE json_extract(j.value, '$.source') = 'press.un.org'))")}
    conn.close()
    expected = _brute_force(big, qv, allowed)
    assert page.total == len(allowed) > 1000
    assert [h.passage.id for h in page.items] == [pid for pid, _ in expected[:10]]


@pytest.fixture
def approx_above_5000(monkeypatch: pytest.MonkeyPatch) -> None:
    """Approximate BM25 above 5,000 matches instead of 20,000: the same code path on a smaller corpus."""
    import core.store.sqlite as sqlite_module

    monkeypatch.setattr(sqlite_module, "_EXACT_BM25", 5000)


@pytest.mark.usefixtures("approx_above_5000")
def test_large_keyword_match_sets_rank_by_bm25_with_tf_one(big: SQLiteStore) -> None:
    # "rights" is in far more than 20,000 passages: every match holds the term once or more, so the
    # score is idf x length normalisation, highest for the shortest passages.
    page = big.search_passages("rights", StatementFilters(), limit=50)
    assert page.total > 5000
    conn = sqlite3.connect(big.path)
    n = conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
    avg = conn.execute("SELECT AVG(length(text)) FROM passages").fetchone()[0]
    conn.close()
    df = page.total
    idf = np.log((n - df + 0.5) / (df + 0.5) + 1.0)
    for h in page.items:
        norm = 2.2 / (1.0 + 1.2 * (0.25 + 0.75 * len(h.passage.text) / avg))
        assert h.score == pytest.approx(idf * norm, rel=1e-4)
    lengths = [len(h.passage.text) for h in page.items]
    assert lengths == sorted(lengths)
    assert all("<mark>" in (h.snippet or "") for h in page.items)


@pytest.mark.usefixtures("approx_above_5000")
def test_large_or_query_weighs_each_term(big: SQLiteStore) -> None:
    page = big.search_passages("rights OR reprisals", StatementFilters(), limit=20)
    both = big.search_passages("rights reprisals", StatementFilters(), limit=1).total
    assert page.total > 5000 and both > 0
    # Passages holding both terms outscore those with one: the first page holds both.
    assert all("reprisal" in h.passage.text.lower() and "right" in h.passage.text.lower() for h in page.items)


def test_export_order_equals_search_order(big: SQLiteStore) -> None:
    f = StatementFilters(doc_type="speech")
    page = big.search_passages("peace", f, limit=100)
    exported = [h.passage.id for _, h in zip(range(100), big.iter_passage_hits("peace", f), strict=False)]
    assert exported == [h.passage.id for h in page.items]
    assert sum(1 for _ in big.iter_passage_hits("peace", f)) == page.total
