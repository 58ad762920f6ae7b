"""Analysis throughput next to raw embedding: segment + embed + match + store vs `model.encode` alone.

The statements are the 72 real UN texts of the development gold file (one paragraph per passage
line). Each repetition runs, side by side on the same machine and the same passages:

- raw: ``SentenceTransformer.encode`` over exactly the passages the segmenter makes (batch size as in
  the settings), nothing else;
- full: ``core.pipeline.analyze_pending`` on a fresh SQLite store with a fresh (empty) embedding
  cache: segmentation, embedding (cache writes included), matching with explanations, and the
  per-statement transactions that save passages, vectors and matches.

The model is loaded once and the agenda's exemplar vectors are computed before timing (they are part
of loading an agenda, not of analysing statements). Prints passages/s of each, per repetition, and
the ratio of medians (target: full >= 85 % of raw).

    .venv/bin/python benchmarks/analysis_throughput.py [--gold ../shared/data/gold/dev.jsonl] [--reps 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.config import Settings
from core.models import Statement, statement_id_for
from core.pipeline import Analyzer, analyze_pending
from core.store.sqlite import SQLiteStore
from nlp.embed import Embedder


def load_statements(gold: Path) -> list[Statement]:
    """One Statement per gold document: its passage lines joined as paragraphs."""
    out = []
    for line in gold.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        d = json.loads(line)
        url = f"https://press.un.org/en/bench/{d['id']}"
        out.append(Statement(id=statement_id_for(url), url=url, source="press.un.org", title=d.get("title") or d["id"],
                             text="\n".join(p["text"] for p in d["passages"]),
                             release_date=date.fromisoformat(d["date"]) if d.get("date") else None))
    return out


def main() -> None:
    """Time raw encode and the full analysis alternately; print the medians and their ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=ROOT.parent / "shared" / "data" / "gold" / "dev.jsonl")
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()

    statements = load_statements(args.gold)
    work = Path(tempfile.mkdtemp(prefix="sgwatch-throughput-"))
    settings = Settings(data_dir=work / "warm")
    analyzer = Analyzer(settings)
    agenda, segmenter, embedder, matcher = analyzer.parts()
    matcher._vectors()  # exemplar vectors: agenda loading, not statement analysis
    model = embedder.model  # loaded once, shared by both sides
    passages = [p.text for ps in segmenter.segment_many((s.id, s.text) for s in statements) for p in ps]
    n = len(passages)
    print(f"{len(statements)} statements, {n} passages ({sum(map(len, passages)) / n:.0f} chars on average); "
          f"batch size {settings.embed_batch_size}; {args.reps} repetitions, alternating", flush=True)
    model.encode(passages[:64], batch_size=settings.embed_batch_size)  # warm-up
    raw_rates: list[float] = []
    full_rates: list[float] = []
    cpu_ratios: list[float] = []
    def run_raw() -> tuple[float, float]:
        t0, c0 = time.perf_counter(), time.process_time()
        model.encode(passages, batch_size=settings.embed_batch_size, convert_to_numpy=True,
                     normalize_embeddings=True, show_progress_bar=False)
        return time.perf_counter() - t0, time.process_time() - c0

    def run_full(rep: int) -> tuple[float, float, Any, Embedder]:
        run_dir = work / f"run{rep}"
        store = SQLiteStore(run_dir / "sgwatch.sqlite3")
        store.upsert_statements(statements)  # the crawl's work, not timed
        fresh = Embedder(settings.model_name, cache_path=run_dir / "embeddings.sqlite3",
                         batch_size=settings.embed_batch_size)
        fresh._model = model
        analyzer._parts = (agenda, segmenter, fresh, matcher)
        matcher.embedder = fresh
        t0, c0 = time.perf_counter(), time.process_time()
        summary = analyze_pending(store, analyzer)
        full, full_cpu = time.perf_counter() - t0, time.process_time() - c0
        store.close()
        fresh.close()
        return full, full_cpu, summary, fresh

    for rep in range(1, args.reps + 1):
        # alternate which side goes first, so a load change on the shared machine hits both alike
        if rep % 2:
            raw, raw_cpu = run_raw()
            full, full_cpu, summary, fresh = run_full(rep)
        else:
            full, full_cpu, summary, fresh = run_full(rep)
            raw, raw_cpu = run_raw()
        assert summary.passages == n and fresh.model_calls <= n, (summary.passages, n, fresh.model_calls)
        raw_rates.append(n / raw)
        cpu_ratios.append(raw_cpu / full_cpu)
        full_rates.append(summary.passages / full)
        print(f"rep {rep}: raw encode {n / raw:.1f} passages/s ({raw:.2f} s) · full analysis "
              f"{summary.passages / full:.1f} passages/s ({full:.2f} s, {summary.matches} matches, "
              f"{fresh.model_calls} texts embedded) · ratio {raw / full:.3f} wall, {raw_cpu / full_cpu:.3f} CPU time",
              flush=True)
    r, f = statistics.median(raw_rates), statistics.median(full_rates)
    print(f"median: raw {r:.1f} passages/s, full {f:.1f} passages/s, full/raw = {f / r:.3f} wall-clock; "
          f"median per-repetition CPU-time ratio {statistics.median(cpu_ratios):.3f} (target >= 0.85)")


if __name__ == "__main__":
    main()
