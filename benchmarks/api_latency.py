"""API latency and export throughput against a running server (uvicorn on 127.0.0.1) on a scale corpus.

    .venv/bin/python benchmarks/make_corpus.py --data-dir data/scale     # once (~1 min)
    .venv/bin/python benchmarks/api_latency.py --data-dir data/scale      # ~3 min

Starts `sgwatch serve` on the data dir (the real app: middleware, validation, the real MiniLM model for
query vectors), waits until the search index and vectors are loaded, then sends bounded loops of
requests one at a time with httpx and prints median / p95 / max per kind of request:

* keyword   — /passages/search?mode=keyword and /statements?q=, 24 queries (common and rare words,
              phrases, AND/OR/NOT, prefixes), some with filters or facets;
* semantic  — /passages/search?mode=semantic, 12 sentences, some with filters;
* hybrid    — the same sentences with mode=hybrid;
* scores    — /scores/monthly for all priorities, 2007-01 .. 2026-12, repeated (the first request
              computes, later ones are answered from the results kept until the next write), then
              with a new last month each time (computed, with evidence already built reused);
* export    — /passages/export?format=csv of a keyword query with >= 100,000 rows: rows/s, time to the
              first byte, and the server's RSS growth while it streams (sampled every 20 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KEYWORD = [
    ("rights", {}), ("human rights defenders", {}), ('"human rights"', {}), ("reprisals", {}),
    ("climate OR peace", {}), ("defend*", {}), ("civic space", {}), ("journalists NOT climate", {}),
    ('"rule of law"', {}), ("(women OR girls) AND peace", {}), ("intimidation reprisals", {}),
    ("sahel", {}), ("security council", {"source": "press.un.org"}),
    ("rights", {"from": "2019-01-01", "to": "2019-12-31"}), ("defenders", {"priority": "P1"}),
    ("peace", {"type": "speech", "facets": "true"}), ("human rights", {"speaker": "Spokesperson"}),
    ("develop*", {"from": "2010-01-01", "to": "2014-12-31", "source": "un.org/sg"}),
    ("'; DROP TABLE passages; --", {}), ("NEAR(rights defenders)", {}), ("accountability", {"min_score": "0.5"}),
    ("freedom of expression", {"facets": "true"}), ("humanitarian access", {}), ("protection of civilians", {}),
]
SEMANTIC = [
    ("activists jailed for their peaceful work", {}), ("the Secretary-General condemns attacks on journalists", {}),
    ("money for climate adaptation in poor countries", {}), ("reprisals against people who cooperate with the UN", {}),
    ("women's participation in peace processes", {"from": "2015-01-01"}), ("shrinking civic space", {"source": "press.un.org"}),
    ("protect human rights defenders", {"priority": "P1"}), ("the rule of law and accountability", {}),
    ("humanitarian workers killed", {"type": "statement"}), ("freedom of the press", {"facets": "true"}),
    ("sustainable development goals financing", {}), ("a senior focal point on intimidation", {}),
]


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of values."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def timed(client: httpx.Client, path: str, params: dict[str, Any]) -> float:
    """Seconds for one request (raises on a non-200)."""
    t0 = time.perf_counter()
    r = client.get(path, params=params)
    dt = time.perf_counter() - t0
    if r.status_code != 200:
        raise SystemExit(f"{path} {params} answered {r.status_code}: {r.text[:300]}")
    return dt


def main() -> None:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=Path("data/scale"))
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--rounds", type=int, default=3, help="passes over each query list")
    ap.add_argument("--scores-requests", type=int, default=20)
    ap.add_argument("--export-q", default="rights", help="keyword query of the export (>= 100,000 rows)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    db = args.data_dir / "sgwatch.sqlite3"
    if not db.exists():
        raise SystemExit(f"no store at {args.data_dir}: run benchmarks/make_corpus.py first")
    from core.config import Settings
    from nlp.agenda import load_agenda

    current = load_agenda(Settings().agenda_path).version
    with sqlite3.connect(db) as conn:
        stored = {r[0] for r in conn.execute("SELECT DISTINCT agenda_version FROM matches")}
    if current not in stored:
        # Priority filters, quotes and scores would find no match and look faster than they are.
        raise SystemExit(f"the corpus' matches are for {sorted(stored)}, the agenda is now {current}: "
                         "rebuild it with benchmarks/make_corpus.py")

    log = (args.data_dir / "api_latency_server.log").open("w")
    env = {**os.environ, "SGWATCH_API_WARM_SEARCH": "true"}
    server = subprocess.Popen([sys.executable, "-m", "core.cli", "serve", "--data-dir", str(args.data_dir),
                               "--host", "127.0.0.1", "--port", str(args.port)],
                              cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{args.port}"
    out: dict[str, Any] = {}
    try:
        client = httpx.Client(base_url=base, timeout=600)
        t0 = time.monotonic()
        while True:
            try:
                if client.get("/priorities").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() - t0 > 120:
                raise SystemExit(f"the server did not start; see {log.name}")
            time.sleep(0.5)
        t1 = time.monotonic()
        timed(client, "/passages/search", {"q": "rights", "mode": "keyword"})  # waits for the warm index
        timed(client, "/passages/search", {"q": "warm up", "mode": "semantic"})  # model + vectors
        print(f"server up in {t1 - t0:.1f} s; index, vectors and model ready {time.monotonic() - t1:.1f} s later; "
              f"server RSS {rss_mb(server.pid):.0f} MB")

        def loop(name: str, calls: list[tuple[str, dict[str, Any]]]) -> None:
            times = [timed(client, path, params) * 1000 for _ in range(args.rounds) for path, params in calls]
            out[name] = {"n": len(times), "median_ms": round(statistics.median(times), 1),
                         "p95_ms": round(pct(times, 95), 1), "max_ms": round(max(times), 1)}
            print(f"{name:>26}: n={len(times):4d}  median {out[name]['median_ms']:7.1f} ms  "
                  f"p95 {out[name]['p95_ms']:7.1f} ms  max {out[name]['max_ms']:7.1f} ms", flush=True)

        kw_passages = [("/passages/search", {"q": q, "mode": "keyword", **p}) for q, p in KEYWORD]
        kw_statements = [("/statements", {"q": q, **p}) for q, p in KEYWORD]
        loop("keyword /passages/search", kw_passages)
        loop("keyword /statements", kw_statements)
        loop("keyword (both)", kw_passages + kw_statements)
        loop("semantic", [("/passages/search", {"q": q, "mode": "semantic", **p}) for q, p in SEMANTIC])
        loop("hybrid", [("/passages/search", {"q": q, "mode": "hybrid", **p}) for q, p in SEMANTIC])
        # Export: stream, count rows, sample the server's memory meanwhile.
        before = rss_mb(server.pid)
        peak = [before]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], rss_mb(server.pid))
                time.sleep(0.02)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        rows = -1  # the header line
        t0 = time.perf_counter()
        first = t100k = None
        nbytes = 0
        with client.stream("GET", "/passages/export", params={"q": args.export_q, "mode": "keyword",
                                                              "format": "csv"}) as r:
            if r.status_code != 200:
                raise SystemExit(f"export answered {r.status_code}")
            pending = b""
            for chunk in r.iter_bytes():
                if first is None:
                    first = time.perf_counter() - t0
                nbytes += len(chunk)
                pending += chunk
                # Count records, not lines: a passage text may hold a quoted newline.
                *complete, pending = pending.split(b"\n")
                for line in complete:
                    if line.count(b'"') % 2 == 0:
                        rows += 1
                if t100k is None and rows >= 100_000:
                    t100k = time.perf_counter() - t0
        total = time.perf_counter() - t0
        done.set()
        sampler.join()
        out["export"] = {"rows": rows, "seconds": round(total, 2), "rows_per_s": round(rows / total),
                         "first_byte_ms": round((first or 0) * 1000, 1),
                         "rows_per_s_first_100k": round(100_000 / t100k) if t100k else None,
                         "mb": round(nbytes / 1e6, 1), "rss_before_mb": round(before),
                         "rss_growth_mb": round(peak[0] - before, 1)}
        e = out["export"]
        print(f"{'export csv':>26}: {e['rows']} rows, {e['mb']} MB in {e['seconds']} s = {e['rows_per_s']} rows/s "
              f"(first 100k: {e['rows_per_s_first_100k']} rows/s), first byte {e['first_byte_ms']} ms, "
              f"server RSS {e['rss_before_mb']} MB + {e['rss_growth_mb']} MB during the export", flush=True)
        scores = [("/scores/monthly", {"from": "2007-01", "to": "2026-12"})]
        times = [timed(client, *scores[0]) * 1000 for _ in range(args.scores_requests)]
        out["scores"] = {"n": len(times), "median_ms": round(statistics.median(times), 1),
                         "p95_ms": round(pct(times, 95), 1), "max_ms": round(max(times), 1)}
        print(f"{'/scores/monthly 20 years':>26}: n={len(times):4d}  median {out['scores']['median_ms']:7.1f} ms  "
              f"p95 {out['scores']['p95_ms']:7.1f} ms  max {out['scores']['max_ms']:7.1f} ms", flush=True)
        # Each with another last month, so none is answered from the results the server keeps until
        # the next write: what a new question costs (the first request above was one too).
        fresh = [("/scores/monthly", {"from": "2007-01", "to": f"{2026 - i // 12}-{12 - i % 12:02d}"})
                 for i in range(1, args.scores_requests + 1)]
        times = [timed(client, path, params) * 1000 for path, params in fresh]
        out["scores_uncached"] = {"n": len(times), "median_ms": round(statistics.median(times), 1),
                                  "p95_ms": round(pct(times, 95), 1), "max_ms": round(max(times), 1)}
        u = out["scores_uncached"]
        print(f"{'/scores/monthly new period':>26}: n={len(times):4d}  median {u['median_ms']:7.1f} ms  "
              f"p95 {u['p95_ms']:7.1f} ms  max {u['max_ms']:7.1f} ms", flush=True)

    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
