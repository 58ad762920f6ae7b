"""Re-scoring benchmark: an agenda edit re-scores every stored passage from its stored vector.

Builds (once) the synthetic 20,000-statement / ~600,000-passage corpus of benchmarks/make_corpus.py,
then, for each run, writes a copy of the agenda with one edit (a new exemplar, so a new agenda
version) and times `core.pipeline.rescore_stored` over the whole store: read passages and vectors,
cue matching, exemplar similarities, context features, decisions, and the new matches saved. The
embedding model is only asked for the agenda's exemplars (counted: no passage is embedded).

    .venv/bin/python benchmarks/rescore.py --data-dir data/rescore-bench          # full size
    .venv/bin/python benchmarks/rescore.py --data-dir /tmp/rb --statements 500    # quick check
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.config import DEFAULT_AGENDA, Settings
from core.pipeline import Analyzer, rescore_stored
from core.store.sqlite import SQLiteStore


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the re-scoring worker processes)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def edited_agenda(base: Path, out: Path, run: int) -> Path:
    """A copy of the agenda with one exemplar added to P1 (a real edit: new version, new exemplar vector)."""
    text = base.read_text(encoding="utf-8")
    anchor = "    exemplars:\n"
    i = text.index(anchor) + len(anchor)
    line = f"      - \"Benchmark edit {run}, we stand with the defenders who were detained this week ({time.time()}).\"\n"
    out.write_text(text[:i] + line + text[i:], encoding="utf-8")
    return out


def main() -> None:
    """Build the corpus if needed, then time re-scoring after an agenda edit (median of runs)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=Path("data/rescore-bench"))
    ap.add_argument("--statements", type=int, default=20_400,
                    help="corpus size if it must be built (20,400 statements give just over 600,000 passages)")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    db = args.data_dir / "sgwatch.sqlite3"
    if not db.exists():
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_corpus.py"), "--data-dir",
                        str(args.data_dir), "--statements", str(args.statements)], check=True)
    times, rates, cpus = [], [], []
    for run in range(1, args.runs + 1):
        agenda_path = edited_agenda(DEFAULT_AGENDA, args.data_dir / f"agenda-edit-{run}.yaml", run)
        settings = Settings(data_dir=args.data_dir, agenda_path=agenda_path)
        analyzer = Analyzer(settings)
        store = SQLiteStore(settings.db_path)
        try:
            t0 = time.perf_counter()
            agenda, _, embedder, matcher = analyzer.parts()
            matcher._vectors()  # the edited agenda's exemplars: the only texts the model sees
            prep = time.perf_counter() - t0
            n_st, n_pa = store.count_rescorable(agenda.version, embedder.model_id)
            t1, c1 = time.perf_counter(), _cpu()
            summary = rescore_stored(store, analyzer)
            work, cpu = time.perf_counter() - t1, _cpu() - c1
            total = time.perf_counter() - t0
        finally:
            store.close()
        conn = sqlite3.connect(str(settings.db_path))
        stored = conn.execute("SELECT COUNT(*) FROM matches WHERE agenda_version = ?", (agenda.version,)).fetchone()[0]
        # leave the store as it was, so the next run (and the next invocation) re-scores everything again
        conn.execute("DELETE FROM matches WHERE agenda_version = ?", (agenda.version,))
        conn.execute("DELETE FROM analysis WHERE agenda_version = ?", (agenda.version,))
        conn.commit()
        conn.close()
        exemplars = sum(len(p.exemplars) + len(p.counter_exemplars) for p in agenda.priorities) + len(
            agenda.defaults.counter_exemplars)
        assert summary.passages == n_pa and summary.statements == n_st, (summary, n_st, n_pa)
        assert stored == summary.matches
        assert embedder.model_calls <= exemplars, "a passage was embedded"
        times.append(total)
        rates.append(summary.passages / work)
        cpus.append(cpu)
        print(f"run {run}: {summary.statements} statements, {summary.passages} passages re-scored in "
              f"{work:.1f} s wall, {cpu:.1f} s CPU in all processes ({summary.passages / work:,.0f} passages/s) + {prep:.1f} s agenda load and "
              f"exemplar vectors = {total:.1f} s; {summary.matches} matches saved; texts sent to the model: "
              f"{embedder.model_calls} (agenda exemplars: {exemplars})", flush=True)
    print(f"median of {len(times)} runs: {statistics.median(times):.1f} s total, "
          f"{statistics.median(rates):,.0f} passages/s re-scored, {statistics.median(cpus):.1f} s CPU (target: 600,000 passages under 60 s)")


if __name__ == "__main__":
    main()
