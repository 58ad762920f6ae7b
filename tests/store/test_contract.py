"""The Store contract: every backend must pass these (the `store` fixture is parametrised per backend)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import numpy as np
import pytest

from core.errors import InvalidQuery, StoreError
from core.models import Passage
from core.store.base import PassageHit, SearchPage, StatementFilters, StatementHit, Store
from tests.store.factory import AGENDA, MODEL, match, split, statement, unit_vectors

NO_FILTER = StatementFilters()

DEFENDERS = statement(
    "defenders", "Human rights defenders face reprisals. Civic space is shrinking around the world. "
    "I condemn every attack on journalists", title="Remarks on human rights defenders", day=date(2024, 1, 10))
CLIMATE = statement(
    "climate", "The climate crisis is accelerating. Space for civic action must grow. "
    "We need finance for adaptation", title="Climate remarks", day=date(2024, 2, 3))
PEACE = statement(
    "peace", "Peace requires courage. Defending the defenders is our duty. Journalists must be protected",
    title="Message on peace", day=date(2024, 3, 20), doc_type="message")
CORPUS = [DEFENDERS, CLIMATE, PEACE]


def analyse(store: Store, st, vectors=None, matches=None, version: str = AGENDA, model: str = MODEL) -> list[Passage]:
    """Save a hand-made analysis of a statement and return its passages."""
    ps = split(st)
    vecs = unit_vectors(len(ps), seed=len(st.text)) if vectors is None else vectors
    store.save_analysis(st.id, ps, vecs, matches(ps) if matches else [], version, model)
    return ps


# --- upserts ---------------------------------------------------------------------------------------


def test_upsert_is_idempotent(store: Store) -> None:
    first = store.upsert_statements(CORPUS)
    second = store.upsert_statements(CORPUS)
    assert (first.inserted, first.updated, first.unchanged, first.merged) == (3, 0, 0, 0)
    assert (second.inserted, second.updated, second.unchanged, second.merged) == (0, 0, 3, 0)
    assert store.stats()["statements"] == 3


def test_refetch_with_new_fetched_at_is_unchanged(store: Store) -> None:
    from datetime import datetime

    store.upsert_statements([DEFENDERS])
    again = DEFENDERS.model_copy(update={"fetched_at": datetime(2030, 1, 1, 12, 0)})
    assert store.upsert_statements([again]).unchanged == 1


def test_statement_round_trips_and_gets_its_own_source(store: Store) -> None:
    st = statement("roundtrip", "Some words here", lead="Following is the text", symbols=["SG/SM/1"],
                   location="Geneva", translations=[{"language": "fr", "text": "Des mots"}],
                   turns=[{"speaker": "SG", "text": "Hello"}], extraction={"title": "selector"})
    store.upsert_statements([st])
    got = store.statement(st.id)
    assert got is not None
    assert got.model_dump(exclude={"sources"}) == st.model_dump(exclude={"sources"})
    assert [(r.source, r.url, r.title, r.release_date, r.symbols) for r in got.sources] == [
        (st.source, st.url, st.title, st.release_date, st.symbols)]


def test_unknown_statement_is_none(store: Store) -> None:
    assert store.statement("nope") is None
    assert store.passages("nope") == []


def test_merge_by_fingerprint_adds_a_source_and_an_alias(store: Store) -> None:
    sg = statement("speech-x", "Defenders must be protected. Reprisals are unacceptable.", day=date(2024, 5, 2))
    # The press copy: same body up to case and punctuation, other id, more metadata.
    press = statement("sgsm1234.doc.htm", "DEFENDERS must be protected; reprisals are unacceptable!",
                      source="press.un.org", title="Secretary-General Stresses Protection", day=date(2024, 5, 3),
                      symbols=["SG/SM/1234"], lead="Following is UN Secretary-General António Guterres' message:")
    assert sg.fingerprint == press.fingerprint and sg.id != press.id
    store.upsert_statements([sg])
    res = store.upsert_statements([press])
    assert (res.inserted, res.merged) == (0, 1)
    assert res.merged_into == {press.id: sg.id}
    merged = store.statement(sg.id)
    assert merged is not None
    assert [r.url for r in merged.sources] == [sg.url, press.url]
    assert [r.source for r in merged.sources] == ["un.org/sg", "press.un.org"]
    assert merged.sources[1].symbols == ["SG/SM/1234"]
    assert merged.symbols == ["SG/SM/1234"]  # missing fields filled from the other copy
    assert merged.lead == press.lead
    assert merged.title == sg.title and merged.release_date == sg.release_date  # the stored copy wins
    by_alias = store.statement(press.id)
    assert by_alias is not None and by_alias.id == sg.id
    stats = store.stats()
    assert stats["statements"] == 1
    assert stats["by_source"] == {"press.un.org": 1, "un.org/sg": 1}
    # Re-crawling the press copy adds nothing.
    again = store.upsert_statements([press])
    assert (again.merged, again.unchanged, again.inserted) == (0, 1, 0)
    assert len(store.statement(sg.id).sources) == 2  # type: ignore[union-attr]
    # And the un.org copy re-crawled (without symbols) keeps what the merge filled in.
    assert store.upsert_statements([sg]).unchanged == 1
    assert store.statement(sg.id).symbols == ["SG/SM/1234"]  # type: ignore[union-attr]


def test_merge_within_one_batch(store: Store) -> None:
    a = statement("a", "One and the same body of text.")
    b = statement("b.doc.htm", "One and the same body of text", source="press.un.org")
    res = store.upsert_statements([a, b])
    assert (res.inserted, res.merged) == (1, 1)
    assert store.stats()["statements"] == 1


def test_update_on_change_makes_it_pending_again(store: Store) -> None:
    store.upsert_statements(CORPUS)
    assert {s.id for s in store.pending_analysis(AGENDA, MODEL)} == {s.id for s in CORPUS}
    for st in CORPUS:
        analyse(store, st)
    assert list(store.pending_analysis(AGENDA, MODEL)) == []
    # Another agenda version or model has not analysed anything yet.
    assert len(list(store.pending_analysis("agenda-v2", MODEL))) == 3
    assert len(list(store.pending_analysis(AGENDA, "other-model"))) == 3

    changed = DEFENDERS.model_copy(update={"text": DEFENDERS.text + ". A new sentence"})
    res = store.upsert_statements([changed])
    assert (res.updated, res.inserted, res.unchanged) == (1, 0, 0)
    assert [s.id for s in store.pending_analysis(AGENDA, MODEL)] == [DEFENDERS.id]
    assert store.statement(DEFENDERS.id).text.endswith("A new sentence")  # type: ignore[union-attr]


def test_metadata_change_updates_without_reanalysis(store: Store) -> None:
    store.upsert_statements([DEFENDERS])
    analyse(store, DEFENDERS)
    res = store.upsert_statements([DEFENDERS.model_copy(update={"location": "New York"})])
    assert res.updated == 1
    assert store.statement(DEFENDERS.id).location == "New York"  # type: ignore[union-attr]
    assert list(store.pending_analysis(AGENDA, MODEL)) == []


# --- analysis ----------------------------------------------------------------------------------------


def test_save_analysis_stores_passages_vectors_matches(store: Store) -> None:
    store.upsert_statements([DEFENDERS])
    vecs = unit_vectors(3, seed=1)
    ps = analyse(store, DEFENDERS, vectors=vecs,
                 matches=lambda ps: [match(ps[0], "P1", 0.9), match(ps[2], "P2", 0.5, "implicit", "condemnation")])
    assert store.passages(DEFENDERS.id) == ps
    got = store.matches(statement_id=DEFENDERS.id)
    assert [(m.passage_id, m.priority, m.score, m.level, m.stance) for m in got] == [
        (ps[0].id, "P1", 0.9, "explicit", "mention"), (ps[2].id, "P2", 0.5, "implicit", "condemnation")]
    batches = list(store.passage_vectors(MODEL))
    ids = [i for b, _ in batches for i in b]
    matrix = np.vstack([m for _, m in batches])
    assert ids == [p.id for p in ps]
    assert matrix.dtype == np.float32 and matrix.shape == (3, 8)
    np.testing.assert_array_equal(matrix, vecs)
    assert list(store.passage_vectors("other-model")) == []
    stats = store.stats()
    assert (stats["passages"], stats["matches"], stats["analysed"]) == (3, 2, 1)


def test_save_analysis_replaces_the_previous_one(store: Store) -> None:
    store.upsert_statements([DEFENDERS])
    analyse(store, DEFENDERS, matches=lambda ps: [match(p, "P1", 0.8) for p in ps])
    shorter = [Passage(id=f"{DEFENDERS.id}-0000", statement_id=DEFENDERS.id, index=0, text="Only one passage now",
                       start=0, end=20)]
    store.save_analysis(DEFENDERS.id, shorter, unit_vectors(1), [match(shorter[0], "P3", 0.4)], AGENDA, MODEL)
    assert [p.text for p in store.passages(DEFENDERS.id)] == ["Only one passage now"]
    assert [(m.priority, m.score) for m in store.matches(statement_id=DEFENDERS.id)] == [("P3", 0.4)]
    assert store.stats()["passages"] == 1
    # The keyword index follows the passages.
    assert store.search_passages("reprisals", NO_FILTER).total == 0
    assert store.search_passages("passage", NO_FILTER).total == 1


@pytest.mark.parametrize("breakage", ["unknown_passage", "vector_shape", "vector_nan", "wrong_version"])
def test_failed_save_analysis_leaves_the_old_analysis_intact(store: Store, breakage: str) -> None:
    store.upsert_statements([DEFENDERS])
    old_vecs = unit_vectors(3, seed=3)
    old = analyse(store, DEFENDERS, vectors=old_vecs, matches=lambda ps: [match(ps[1], "P4", 0.7)])
    before_matches = store.matches(statement_id=DEFENDERS.id)
    # A new analysis with other passage texts: a failure half-way must not leave them behind.
    new = [p.model_copy(update={"text": p.text.upper() + " NEW"}) for p in old]
    vecs = unit_vectors(3, seed=4)
    ms = [match(new[0], "P1", 0.9)]
    if breakage == "unknown_passage":
        ms.append(match(Passage(id="ghost-0001", statement_id=DEFENDERS.id, index=9, text="x", start=0, end=1),
                        "P2", 0.5))
    elif breakage == "vector_shape":
        vecs = unit_vectors(2, seed=4)
    elif breakage == "vector_nan":
        vecs[1, 2] = np.nan
    else:
        ms.append(match(new[1], "P2", 0.5, version="someone-else"))
    with pytest.raises(StoreError):
        store.save_analysis(DEFENDERS.id, new, vecs, ms, AGENDA, MODEL)
    assert store.passages(DEFENDERS.id) == old
    assert store.matches(statement_id=DEFENDERS.id) == before_matches
    (ids, matrix), = list(store.passage_vectors(MODEL))
    assert ids == [p.id for p in old]
    np.testing.assert_array_equal(matrix, old_vecs)
    assert store.search_passages("NEW", NO_FILTER).total == 0
    assert list(store.pending_analysis(AGENDA, MODEL)) == []


def test_save_analysis_for_unknown_statement_fails(store: Store) -> None:
    with pytest.raises(StoreError):
        store.save_analysis("missing", [], None, [], AGENDA, MODEL)


def test_save_analysis_by_alias_goes_to_the_stored_statement(store: Store) -> None:
    a = statement("a", "Shared body text of the speech.")
    b = statement("b.doc.htm", "Shared body text of the speech", source="press.un.org")
    store.upsert_statements([a, b])
    store.save_analysis(b.id, [], None, [], AGENDA, MODEL)
    assert list(store.pending_analysis(AGENDA, MODEL)) == []


# --- keyword search ------------------------------------------------------------------------------------


def _ids(page: SearchPage) -> set[str]:
    return {hit.statement.id for hit in page.items}


@pytest.fixture
def corpus(store: Store) -> Store:
    """The three statements, analysed (passages, vectors, matches)."""
    store.upsert_statements(CORPUS)
    analyse(store, DEFENDERS, matches=lambda ps: [match(ps[0], "P1", 0.9), match(ps[2], "P2", 0.6)])
    analyse(store, CLIMATE, matches=lambda ps: [match(ps[1], "P5", 0.3, "implicit")])
    analyse(store, PEACE, matches=lambda ps: [match(ps[1], "P1", 0.7, "implicit", "call_to_action")])
    return store


@pytest.mark.parametrize(("q", "expected"), [
    ("defenders", {"DEFENDERS", "PEACE"}),
    ("defender", {"DEFENDERS", "PEACE"}),  # porter stemming
    ('"civic space"', {"DEFENDERS"}),  # phrase: CLIMATE has both words, not as a phrase
    ("civic space", {"DEFENDERS", "CLIMATE"}),  # bare terms are ANDed
    ("journalists AND reprisals", {"DEFENDERS"}),
    ("reprisals OR climate", {"DEFENDERS", "CLIMATE"}),
    ("journalists NOT reprisals", {"PEACE"}),
    ("journalists AND NOT reprisals", {"PEACE"}),  # AND NOT is NOT, never an AND of the excluded word
    ("NOT reprisals", set()),  # only an exclusion: nothing to search for
    ("defenders AND (reprisals OR peace)", {"DEFENDERS", "PEACE"}),
    ("defen*", {"DEFENDERS", "PEACE"}),
    ("acceler*", {"CLIMATE"}),
    ("accelerat", set()),  # no prefix without the star
    ("zebra", set()),
])
def test_keyword_statement_search(corpus: Store, q: str, expected: set[str]) -> None:
    names = {DEFENDERS.id: "DEFENDERS", CLIMATE.id: "CLIMATE", PEACE.id: "PEACE"}
    page = corpus.search_statements(q, NO_FILTER)
    assert {names[i] for i in _ids(page)} == expected
    assert page.total == len(expected)


def test_keyword_search_ranks_by_bm25_and_marks_snippets(corpus: Store) -> None:
    page = corpus.search_statements("defenders", NO_FILTER)
    # "defenders" is in DEFENDERS' title and text, once in PEACE's text: title weight puts DEFENDERS first.
    assert [h.statement.id for h in page.items] == [DEFENDERS.id, PEACE.id]
    assert page.items[0].score is not None and page.items[0].score > page.items[1].score  # type: ignore[operator]
    assert all("<mark>" in (h.snippet or "") for h in page.items)
    assert page.items[0].priorities == ["P1", "P2"]
    assert page.items[1].priorities == ["P1"]


def test_snippets_escape_html(store: Store) -> None:
    st = statement("html", "Defenders <script>alert(1)</script> & allies")
    store.upsert_statements([st])
    snip = store.search_statements("allies", NO_FILTER).items[0].snippet or ""
    assert "<script>" not in snip and "&lt;script&gt;" in snip and "<mark>allies</mark>" in snip


HOSTILE = [
    '"', '""', '"unbalanced phrase', "((", ")", "NEAR(", "NEAR(defenders reprisals, 2)", "*", "**", "defen**",
    "AND", "OR OR", "NOT", "NOT defenders", "defenders AND", "AND OR NOT", "defenders OR NOT reprisals",
    "'; DROP TABLE statements; --", "title:defenders", "{title text}: x", "^defenders", "a + b - c",
    "defenders\x00reprisals", "\x00", "x" * 100_000, "defenders " * 20_000, "ünïcödé «quotes» — dash",
    "%_%", "\\", "col:", "-", "'", "()", "\"defenders\"*", "😀",
]


@pytest.mark.parametrize("q", HOSTILE, ids=lambda q: repr(q[:30]))
def test_hostile_queries_never_raise(corpus: Store, q: str) -> None:
    page = corpus.search_statements(q, NO_FILTER)
    assert isinstance(page, SearchPage) and page.total == len(page.items) <= 3
    ppage = corpus.search_passages(q, NO_FILTER, mode="keyword")
    assert isinstance(ppage, SearchPage) and ppage.total >= len(ppage.items)
    hpage = corpus.search_passages(q, NO_FILTER, mode="hybrid", query_vector=unit_vectors(1)[0])
    assert isinstance(hpage, SearchPage)
    assert corpus.stats()["statements"] == 3  # nothing was dropped


def test_degraded_queries_still_find_their_words(corpus: Store) -> None:
    assert _ids(corpus.search_statements('"civic space', NO_FILTER)) == {DEFENDERS.id, CLIMATE.id}
    assert _ids(corpus.search_statements("NEAR(journalists reprisals", NO_FILTER)) == set()  # "near" is a term
    assert _ids(corpus.search_statements("journalists AND", NO_FILTER)) == {DEFENDERS.id, PEACE.id}
    assert _ids(corpus.search_statements("'; DROP TABLE statements; --", NO_FILTER)) == set()


def test_all_statements_newest_first_with_paging(corpus: Store) -> None:
    page = corpus.search_statements(None, NO_FILTER, limit=2)
    assert page.total == 3
    assert [h.statement.id for h in page.items] == [PEACE.id, CLIMATE.id]
    rest = corpus.search_statements(None, NO_FILTER, limit=2, offset=2)
    assert [h.statement.id for h in rest.items] == [DEFENDERS.id]
    assert all(isinstance(h, StatementHit) for h in page.items + rest.items)


@pytest.mark.parametrize(("filters", "expected"), [
    (StatementFilters(date_from=date(2024, 2, 1)), {"CLIMATE", "PEACE"}),
    (StatementFilters(date_to=date(2024, 2, 3)), {"DEFENDERS", "CLIMATE"}),
    (StatementFilters(date_from=date(2024, 2, 3), date_to=date(2024, 2, 3)), {"CLIMATE"}),
    (StatementFilters(doc_type="message"), {"PEACE"}),
    (StatementFilters(source="press.un.org"), set()),
    (StatementFilters(source="un.org/sg"), {"DEFENDERS", "CLIMATE", "PEACE"}),
    (StatementFilters(priority="P1"), {"DEFENDERS", "PEACE"}),
    (StatementFilters(priority="P5"), {"CLIMATE"}),
    (StatementFilters(priority="P1", agenda_version="agenda-v0"), set()),
    (StatementFilters(priority="P9"), set()),
    (StatementFilters(language="fr"), set()),
    (StatementFilters(speaker_role="Secretary-General", priority="P1", date_from=date(2024, 3, 1)), {"PEACE"}),
])
def test_statement_filters(corpus: Store, filters: StatementFilters, expected: set[str]) -> None:
    names = {DEFENDERS.id: "DEFENDERS", CLIMATE.id: "CLIMATE", PEACE.id: "PEACE"}
    page = corpus.search_statements(None, filters)
    assert {names[i] for i in _ids(page)} == expected and page.total == len(expected)


def test_source_filter_finds_merged_statements_by_either_source(store: Store) -> None:
    a = statement("a", "Shared body text of the speech.")
    b = statement("b.doc.htm", "Shared body text of the speech", source="press.un.org")
    store.upsert_statements([a, b])
    for source in ("un.org/sg", "press.un.org"):
        assert _ids(store.search_statements("shared", StatementFilters(source=source))) == {a.id}


def test_keyword_passage_search(corpus: Store) -> None:
    page = corpus.search_passages("journalists", NO_FILTER)
    assert page.total == 2
    hits: list[PassageHit] = page.items
    assert {h.passage.text for h in hits} == {"I condemn every attack on journalists", "Journalists must be protected"}
    peace_hit = next(h for h in hits if h.passage.statement_id == PEACE.id)
    assert (peace_hit.statement_title, peace_hit.url, peace_hit.date, peace_hit.source, peace_hit.doc_type) == (
        PEACE.title, PEACE.url, date(2024, 3, 20), "un.org/sg", "message")
    assert "<mark>Journalists</mark>" in (peace_hit.snippet or "")
    defenders_hit = next(h for h in hits if h.passage.statement_id == DEFENDERS.id)
    assert [(m.priority, m.score) for m in defenders_hit.matches] == [("P2", 0.6)]
    assert corpus.search_passages("journalists", StatementFilters(priority="P2")).total == 1
    assert corpus.search_passages("journalists", StatementFilters(doc_type="message")).total == 1
    assert corpus.search_passages(None, NO_FILTER, limit=2).total == 9


# --- semantic and hybrid --------------------------------------------------------------------------------


def _axis(i: int, dim: int = 8) -> np.ndarray:
    v = np.zeros(dim, dtype=np.float32)
    v[i] = 1.0
    return v


def _norm(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v)).astype(np.float32)


@pytest.fixture
def vec_corpus(store: Store) -> Store:
    """DEFENDERS' passages point near axis 0 (decreasingly), PEACE's near axis 1."""
    store.upsert_statements([DEFENDERS, PEACE])
    d = np.vstack([_axis(0), _norm(0.8 * _axis(0) + 0.6 * _axis(2)), _norm(0.3 * _axis(0) + _axis(3))])
    p = np.vstack([_axis(1), _norm(0.6 * _axis(0) + 0.8 * _axis(1)), _axis(4)])
    analyse(store, DEFENDERS, vectors=d, matches=lambda ps: [match(ps[2], "P1", 0.9)])
    analyse(store, PEACE, vectors=p)
    return store


def test_semantic_search_ranks_by_cosine(vec_corpus: Store) -> None:
    page = vec_corpus.search_passages(None, NO_FILTER, mode="semantic", query_vector=_axis(0) * 3.0, limit=4)
    d, p = split(DEFENDERS), split(PEACE)
    assert page.total == 6
    assert [h.passage.id for h in page.items] == [d[0].id, d[1].id, p[1].id, d[2].id]
    np.testing.assert_allclose([h.score for h in page.items], [1.0, 0.8, 0.6, 0.3 / np.hypot(0.3, 1.0)], rtol=1e-5)
    assert page.items[0].date == DEFENDERS.release_date


def test_semantic_search_applies_filters_before_ranking(vec_corpus: Store) -> None:
    page = vec_corpus.search_passages(None, StatementFilters(date_from=date(2024, 3, 1)), mode="semantic",
                                      query_vector=_axis(0), limit=2)
    assert page.total == 3
    assert [h.passage.statement_id for h in page.items] == [PEACE.id, PEACE.id]
    only_p1 = vec_corpus.search_passages(None, StatementFilters(priority="P1"), mode="semantic",
                                         query_vector=_axis(0))
    assert [h.passage.id for h in only_p1.items] == [split(DEFENDERS)[2].id]


def test_semantic_search_with_384_dim_random_vectors(store: Store) -> None:
    store.upsert_statements([CLIMATE])
    vecs = unit_vectors(3, dim=384, seed=42)
    analyse(store, CLIMATE, vectors=vecs)
    noisy = vecs[2] + 0.05 * unit_vectors(1, dim=384, seed=5)[0]
    page = store.search_passages(None, NO_FILTER, mode="semantic", query_vector=noisy)
    assert page.items[0].passage.id == split(CLIMATE)[2].id
    assert page.items[0].score > 0.95


def test_semantic_search_needs_a_vector(vec_corpus: Store) -> None:
    with pytest.raises(InvalidQuery):
        vec_corpus.search_passages(None, NO_FILTER, mode="semantic")
    with pytest.raises(InvalidQuery):
        vec_corpus.search_passages(None, NO_FILTER, mode="semantic", query_vector=np.zeros(8))


def test_hybrid_fuses_keyword_and_semantic_ranks(vec_corpus: Store) -> None:
    qv = _axis(1)
    kw = [h.passage.id for h in vec_corpus.search_passages("defenders", NO_FILTER, limit=100).items]
    sem = [h.passage.id for h in vec_corpus.search_passages(None, NO_FILTER, mode="semantic", query_vector=qv,
                                                            limit=100).items]
    expected: dict[str, float] = {}
    for ranking in (kw, sem):
        for rank, pid in enumerate(ranking, start=1):
            expected[pid] = expected.get(pid, 0.0) + 1.0 / (60 + rank)
    page = vec_corpus.search_passages("defenders", NO_FILTER, mode="hybrid", query_vector=qv, limit=100)
    assert page.total == len(expected) == 6
    got = [(h.passage.id, h.score) for h in page.items]
    assert [pid for pid, _ in got] == sorted(expected, key=lambda k: (-expected[k], k))
    np.testing.assert_allclose([s for _, s in got], [expected[pid] for pid, _ in got])
    # "Defending the defenders..." is first by keyword and second by vector: it wins the fusion.
    assert got[0][0] == split(PEACE)[1].id


# --- matches and monthly aggregates --------------------------------------------------------------------


def test_matches_strongest_first_and_filtered(corpus: Store) -> None:
    all_matches = corpus.matches()
    assert [m.score for m in all_matches] == [0.9, 0.7, 0.6, 0.3]
    assert [m.statement_id for m in corpus.matches(priority="P1")] == [DEFENDERS.id, PEACE.id]
    assert [m.score for m in corpus.matches(date_from=date(2024, 2, 1))] == [0.7, 0.3]
    assert [m.score for m in corpus.matches(date_to=date(2024, 2, 28))] == [0.9, 0.6, 0.3]
    assert len(corpus.matches(limit=2)) == 2
    assert corpus.matches(agenda_version="agenda-v0") == []


def test_matches_default_to_the_latest_agenda_version(corpus: Store) -> None:
    analyse(corpus, CLIMATE, matches=lambda ps: [match(ps[0], "P7", 0.5, version="agenda-v2")], version="agenda-v2")
    assert [m.priority for m in corpus.matches()] == ["P7"]
    assert len(corpus.matches(agenda_version=AGENDA)) == 4


def test_monthly_aggregates_counts_and_zero_months(store: Store) -> None:
    jan = [statement(f"jan{i}", f"January text number {i}. Second sentence {i}", day=date(2024, 1, 5 + i))
           for i in range(4)]
    # Released in March but delivered in February: it counts for February.
    feb = statement("feb", "February text. Defenders again", day=date(2024, 3, 1), delivery_date=date(2024, 2, 27))
    apr = statement("apr", "April text. Nothing relevant", day=date(2024, 4, 2), source="press.un.org")
    undated = statement("undated", "No date at all. None", day=None)
    store.upsert_statements([*jan, feb, apr, undated])
    analyse(store, jan[0], matches=lambda ps: [match(ps[0], "P1", 0.9), match(ps[1], "P1", 0.4, "implicit")])
    analyse(store, jan[1], matches=lambda ps: [match(ps[1], "P1", 0.6, "implicit", "concern")])
    analyse(store, jan[2], matches=lambda ps: [match(ps[0], "P2", 0.5)])
    analyse(store, feb, matches=lambda ps: [match(ps[1], "P1", 0.8, stance="commitment")])
    analyse(store, apr)
    analyse(store, undated, matches=lambda ps: [match(ps[0], "P1", 0.99)])

    aggs = store.monthly_aggregates(AGENDA, priorities=["P1", "P2", "P3"], top_k=2)
    got = {(a.month, a.priority): a for a in aggs}
    assert [(a.month, a.priority) for a in aggs] == [
        (m, p) for m in ("2024-01", "2024-02", "2024-04") for p in ("P1", "P2", "P3")]
    j1 = got[("2024-01", "P1")]
    assert (j1.statements, j1.addressing, j1.passages, j1.explicit_passages) == (4, 2, 3, 1)
    assert j1.top == [(f"{jan[0].id}-0000", jan[0].id, 0.9, "explicit", "mention"),
                      (f"{jan[1].id}-0001", jan[1].id, 0.6, "implicit", "concern")]
    j2 = got[("2024-01", "P2")]
    assert (j2.statements, j2.addressing, j2.passages, j2.explicit_passages) == (4, 1, 1, 1)
    f1 = got[("2024-02", "P1")]
    assert (f1.statements, f1.addressing, f1.top[0][2], f1.top[0][4]) == (1, 1, 0.8, "commitment")
    for key in [("2024-01", "P3"), ("2024-02", "P2"), ("2024-04", "P1"), ("2024-04", "P3")]:
        zero = got[key]
        assert (zero.addressing, zero.passages, zero.explicit_passages, zero.top) == (0, 0, 0, [])
    assert got[("2024-04", "P1")].statements == 1

    assert [a.month for a in store.monthly_aggregates(AGENDA, date_from=date(2024, 2, 1), date_to=date(2024, 3, 31),
                                                      priorities=["P1"])] == ["2024-02"]
    assert [a.month for a in store.monthly_aggregates(AGENDA, priorities=["P1"], source="press.un.org")] == ["2024-04"]
    # Priorities left out: those with matches under this agenda version.
    assert {a.priority for a in store.monthly_aggregates(AGENDA)} == {"P1", "P2"}
    assert all(a.addressing == 0 for a in store.monthly_aggregates("agenda-v0", priorities=["P1"]))


# --- streaming, crawl log, stats -------------------------------------------------------------------------


def test_iter_statements_in_id_order(corpus: Store) -> None:
    assert [s.id for s in corpus.iter_statements()] == sorted(s.id for s in CORPUS)


def test_pending_analysis_survives_writes_while_iterating(store: Store) -> None:
    many = [statement(f"s{i}", f"Body number {i} with words") for i in range(30)]
    store.upsert_statements(many)
    seen = []
    for st in store.pending_analysis(AGENDA, MODEL):
        analyse(store, st)
        seen.append(st.id)
    assert sorted(seen) == sorted(s.id for s in many)
    assert list(store.pending_analysis(AGENDA, MODEL)) == []


def test_crawl_log_and_stats_keys(corpus: Store) -> None:
    corpus.record_crawl_event("un.org/sg", "https://www.un.org/sg/a", "stored", month="2024-01",
                              extraction={"title": "selector"})
    corpus.record_crawl_event("un.org/sg", "https://www.un.org/sg/b", "skipped", reason="error_page")
    corpus.record_crawl_event("press.un.org", "https://press.un.org/c", "skipped", reason="empty_body")
    corpus.record_crawl_event("press.un.org", "https://press.un.org/d", "skipped", reason="empty_body")
    corpus.record_crawl_event("press.un.org", "https://press.un.org/e", "error", reason="timeout")
    # A later outcome for the same URL replaces the earlier one.
    corpus.record_crawl_event("un.org/sg", "https://www.un.org/sg/b", "stored")
    stats = corpus.stats()
    assert set(stats) >= {"statements", "passages", "matches", "analysed", "by_source", "crawl", "months"}
    assert (stats["statements"], stats["passages"], stats["matches"], stats["analysed"]) == (3, 9, 4, 3)
    assert stats["by_source"] == {"un.org/sg": 3}
    assert stats["crawl"] == {"stored": 2, "skipped": {"empty_body": 2}, "error": 1}
    assert stats["months"] == {"2024-01": 1, "2024-02": 1, "2024-03": 1}
    with pytest.raises(StoreError):
        corpus.record_crawl_event("un.org/sg", "https://www.un.org/sg/x", "exploded")


def test_empty_store_stats(store: Store) -> None:
    assert store.stats() == {"statements": 0, "passages": 0, "matches": 0, "analysed": 0, "merged": 0,
                             "by_source": {}, "crawl": {"stored": 0, "skipped": {}, "error": 0},
                             "coverage": {"by_month": {}, "extraction": {}, "empty_months": []}, "months": {}}


def test_concurrent_reads_and_writes(store: Store) -> None:
    store.upsert_statements(CORPUS)

    def write(i: int) -> int:
        return store.upsert_statements([statement(f"t{i}", f"Threaded body {i} defenders")]).inserted

    def read(_: int) -> int:
        return store.search_statements("defenders", NO_FILTER).total

    with ThreadPoolExecutor(max_workers=4) as pool:
        writes = list(pool.map(write, range(20)))
        reads = list(pool.map(read, range(20)))
    assert sum(writes) == 20
    assert all(r == 22 for r in reads)
