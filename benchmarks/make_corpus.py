"""Build a synthetic scale corpus in an embedded (SQLite) store, for latency and export benchmarks.

20,000 statements and about 600,000 passages dated 2007-2026 across both sites, every document type
and three speaker roles; passage text is composed from the sentences of the bundled sample pages and
the agenda's exemplars (SG register), vectors are random unit vectors of the model's dimension (no
model is loaded), and about 4 % of passages carry a match to a priority of the real agenda.

    .venv/bin/python benchmarks/make_corpus.py --data-dir data/scale            # full size, ~3 min
    .venv/bin/python benchmarks/make_corpus.py --data-dir /tmp/s --statements 500   # small

Statements go in through the Store's own upsert (ids, hashes, fingerprints as in production);
passages, vectors, matches and analysis rows are bulk-inserted into the same tables in one
transaction per batch, which is what save_analysis would write, only faster.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.config import Settings
from core.models import (
    Passage,
    SourceRef,
    Statement,
    body_fingerprint,
    passage_id_for,
    stable_id,
    statement_id_for,
)
from core.store.sqlite import PA_COLS, PA_JSON, SQLiteStore
from nlp.agenda import load_agenda

MODEL = "all-MiniLM-L6-v2"
DIM = 384
DOC_TYPES = [("speech", 0.34), ("statement", 0.2), ("message", 0.18), ("press_encounter", 0.08),
             ("note_to_correspondents", 0.08), ("press_release", 0.1), ("other", 0.02)]
ROLES = [("Secretary-General", 0.8), ("Deputy Secretary-General", 0.12), ("Spokesperson", 0.08)]
LOCATIONS = ["New York", "Geneva", "Nairobi", "Vienna", "Addis Ababa", "Bangkok", "Paris", "Doha",
             "Brussels", "Santiago", "Beirut", "Kyiv", "Port-au-Prince", None]
TOPICS = ["the Human Rights Council", "the Security Council", "the General Assembly", "climate action",
          "peace and security", "sustainable development", "the situation in the Sahel",
          "humanitarian access", "civic space", "the rule of law", "women, peace and security",
          "human rights defenders", "counter-terrorism", "the protection of civilians", "financing for development"]
KINDS = {"speech": "Remarks to", "statement": "Statement on", "message": "Message on",
         "press_encounter": "Press encounter on", "note_to_correspondents": "Note to correspondents on",
         "press_release": "Secretary-General welcomes progress on", "other": "Readout on"}
STANCES = ["mention", "concern", "condemnation", "call_to_action", "commitment"]


def sentence_pool() -> list[str]:
    """Sentences of the bundled sample pages and the agenda's exemplars."""
    pool: list[str] = []
    for site in ("www.un.org", "press.un.org"):
        pages = json.loads((ROOT / "sample_site" / site / "_expected" / "expected.json").read_text("utf-8"))["pages"]
        for page in pages:
            for s in re.split(r"(?<=[.!?])\s+", page.get("text") or ""):
                s = s.strip()
                if 40 <= len(s) <= 400:
                    pool.append(s)
    agenda = load_agenda(Settings().agenda_path)
    for p in agenda.priorities:
        pool.extend(e for e in p.exemplars if len(e) >= 20)
        pool.append(p.text.split(". ")[0])
    return sorted(set(pool))


def pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    """One value of a weighted list."""
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def make_statement(rng: random.Random, n: int, pool: list[str], per: int) -> tuple[Statement, list[str]]:
    """One synthetic statement and its passage texts."""
    start, span = date(2007, 1, 1), (date(2026, 12, 31) - date(2007, 1, 1)).days
    d = start + timedelta(days=rng.randrange(span + 1))
    doc_type = pick(rng, DOC_TYPES)
    on_press = doc_type in ("press_release", "note_to_correspondents") or rng.random() < 0.4
    source = "press.un.org" if on_press else "un.org/sg"
    if source == "press.un.org":
        url = f"https://press.un.org/en/{d.year}/sgsm{20000 + n}.doc.htm"
    else:
        url = f"https://www.un.org/sg/en/content/sg/{doc_type}s/{d.isoformat()}/synthetic-{n}"
    title = f"{KINDS[doc_type]} {rng.choice(TOPICS)} ({n})"
    k = max(3, int(rng.gauss(per, per / 4)))
    texts = [" ".join(rng.choice(pool) for _ in range(rng.choice((1, 1, 2)))) for _ in range(k)]
    sources = [SourceRef(source=source, url=url, title=title, release_date=d)]
    if rng.random() < 0.15:  # the same speech on both sites
        other = "un.org/sg" if source == "press.un.org" else "press.un.org"
        sources.append(SourceRef(source=other, url=url + "#copy", title=title, release_date=d))
    role = pick(rng, ROLES)
    speaker = ("Ban Ki-moon" if d.year < 2017 else "António Guterres") if role == "Secretary-General" else None
    text = " ".join(texts) + f" [{n}]"  # the number keeps fingerprints apart
    st = Statement(id=statement_id_for(url), url=url, source=source, sources=sources, doc_type=doc_type,  # type: ignore[arg-type]
                   title=title, text=text, release_date=d, delivery_date=d if doc_type == "speech" else None,
                   url_date=d if source == "un.org/sg" else None, location=rng.choice(LOCATIONS),
                   speaker=speaker, speaker_role=role, language="en", fingerprint=body_fingerprint(text))
    return st, texts


def main() -> None:
    """Build the corpus and print what was built, with counts and rate."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, default=Path("data/scale"))
    ap.add_argument("--statements", type=int, default=20_000)
    ap.add_argument("--passages-per-statement", type=int, default=30)
    ap.add_argument("--match-rate", type=float, default=0.04)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    settings = Settings(data_dir=args.data_dir)
    settings.ensure_dirs()
    if settings.db_path.exists():
        sys.exit(f"{settings.db_path} exists; remove it or pick another --data-dir")
    agenda = load_agenda(settings.agenda_path)
    prio_ids = [p.id for p in agenda.priorities]
    rng = random.Random(args.seed)
    nrng = np.random.default_rng(args.seed)
    pool = sentence_pool()
    print(f"building {args.statements} statements from {len(pool)} sample sentences into {settings.db_path}")

    store = SQLiteStore(settings.db_path)
    store.close()
    conn = sqlite3.connect(str(settings.db_path), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA cache_size=-200000")
    pa_cols = ", ".join(f'"{c}"' for c in PA_COLS)
    pa_marks = ", ".join("?" for _ in PA_COLS)
    now = datetime.now(UTC).isoformat()
    t0 = time.monotonic()
    n_pass = n_match = 0
    batch = 500
    for b0 in range(0, args.statements, batch):
        built = [make_statement(rng, n, pool, args.passages_per_statement)
                 for n in range(b0, min(args.statements, b0 + batch))]
        store = SQLiteStore(settings.db_path)
        try:
            store.upsert_statements(st for st, _ in built)
        finally:
            store.close()
        pa_rows, vec_rows, m_rows, a_rows = [], [], [], []
        for st, texts in built:
            pos = 0
            ahash = conn.execute("SELECT analysis_hash FROM statements WHERE id = ?", (st.id,)).fetchone()[0]
            vecs = nrng.standard_normal((len(texts), DIM), dtype=np.float32)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            n_m = 0
            for i, t in enumerate(texts):
                p = Passage(id=passage_id_for(st.id, i), statement_id=st.id, index=i, text=t, start=pos,
                            end=pos + len(t), text_hash=stable_id(t))
                pos += len(t) + 1
                doc = p.model_dump(mode="json")
                pa_rows.append([json.dumps(doc[c]) if c in PA_JSON else doc[c] for c in PA_COLS])
                vec_rows.append((p.id, MODEL, DIM, vecs[i].astype("<f4").tobytes()))
                if rng.random() < args.match_rate:
                    for pid in rng.sample(prio_ids, rng.choice((1, 1, 1, 2))):
                        score = round(rng.uniform(0.35, 0.95), 4)
                        level = "explicit" if score > 0.6 and rng.random() < 0.6 else "implicit"
                        expl = {"cues": {"topic": [rng.choice(TOPICS)]}, "closest_exemplars": [
                            {"exemplar": rng.choice(pool)[:160], "similarity": score}], "synthetic": True}
                        m_rows.append((p.id, st.id, pid, score, level, rng.choice(STANCES), agenda.version, MODEL,
                                       json.dumps(expl)))
                        n_m += 1
            a_rows.append((st.id, agenda.version, MODEL, ahash, now, len(texts), n_m))
        conn.execute("BEGIN")
        conn.executemany(f"INSERT INTO passages ({pa_cols}) VALUES ({pa_marks})", pa_rows)
        conn.executemany("INSERT INTO vectors (passage_id, model, dim, vector) VALUES (?, ?, ?, ?)", vec_rows)
        conn.executemany("INSERT INTO matches (passage_id, statement_id, priority, score, level, stance, "
                         "agenda_version, model, explanation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", m_rows)
        conn.executemany("INSERT INTO analysis (statement_id, agenda_version, model, content_hash, analysed_at, "
                         "passages, matches) VALUES (?, ?, ?, ?, ?, ?, ?)", a_rows)
        conn.execute("COMMIT")
        n_pass += len(pa_rows)
        n_match += len(m_rows)
        done = min(args.statements, b0 + batch)
        el = time.monotonic() - t0
        print(f"  {done}/{args.statements} statements, {n_pass} passages, {n_match} matches "
              f"({done / el:.0f} statements/s, {n_pass / el:.0f} passages/s)", flush=True)
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    size = settings.db_path.stat().st_size / 1e6
    print(f"done in {time.monotonic() - t0:.0f} s: {args.statements} statements, {n_pass} passages, "
          f"{n_match} matches, {size:.0f} MB at {settings.db_path}")


if __name__ == "__main__":
    main()
