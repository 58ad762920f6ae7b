"""The pure parts of the Elasticsearch store, without a server: requests built from filters and the user's
query syntax, and responses (written by hand in the JSON shapes the 8.x client documents) translated into
the store's dataclasses. The behaviour against a real server is the contract suite's job."""

from __future__ import annotations

import json
from datetime import date

import pytest

from core.errors import InvalidQuery, StoreError, StoreUnavailable
from core.models import Match, SourceRef
from core.store.base import MonthPriorityAggregate, StatementFilters
from core.store.elastic import (
    EFFECTIVE_DATE_RUNTIME,
    AllOf,
    AnyOf,
    Phrase,
    alias_ids,
    cosine_from_score,
    filter_clauses,
    keyword_query,
    knn_request,
    matches_from_passages,
    matches_request,
    mentions_query,
    monthly_matches_request,
    monthly_statements_request,
    parse_monthly,
    parse_statement_priorities,
    parse_user_query,
    passage_hits,
    passage_search_request,
    rrf_fuse,
    statement_meta,
    statement_page,
    statement_search_request,
    stats_from_responses,
    translate_error,
)
from tests.store.factory import statement

F = ["text"]


def _phrase(words: str, prefix: bool = False) -> dict:
    return {"multi_match": {"query": words, "type": "phrase_prefix" if prefix else "phrase", "fields": F}}


# --- the user's query syntax ---------------------------------------------------------------------------


@pytest.mark.parametrize(("q", "tree"), [
    ("defenders", Phrase(("defenders",))),
    ('"civic space"', Phrase(("civic", "space"))),
    ("civic space", AllOf((Phrase(("civic",)), Phrase(("space",))))),
    ("journalists AND reprisals", AllOf((Phrase(("journalists",)), Phrase(("reprisals",))))),
    ("reprisals OR climate", AnyOf((Phrase(("reprisals",)), Phrase(("climate",))))),
    ("journalists NOT reprisals", AllOf((Phrase(("journalists",)),), (Phrase(("reprisals",)),))),
    ("journalists AND NOT reprisals", AllOf((Phrase(("journalists",)),), (Phrase(("reprisals",)),))),
    ("NOT reprisals", None),
    ("defenders AND (reprisals OR peace)",
     AllOf((Phrase(("defenders",)), AnyOf((Phrase(("reprisals",)), Phrase(("peace",))))))),
    ("defen*", Phrase(("defen",), prefix=True)),
    ('"defenders"*', Phrase(("defenders",), prefix=True)),
    ("e.g.", Phrase(("e", "g"))),  # punctuation inside a token keeps its words together, as in FTS5
    # Malformed: the plain AND of the words.
    ('"civic space', AllOf((Phrase(("civic",)), Phrase(("space",))))),
    ("journalists AND", Phrase(("journalists",))),
    ("NEAR(journalists reprisals", AllOf((Phrase(("NEAR",)), Phrase(("journalists",)), Phrase(("reprisals",))))),
    ("'; DROP TABLE statements; --", AllOf((Phrase(("DROP",)), Phrase(("TABLE",)), Phrase(("statements",))))),
    ("a NOT (NOT b)", Phrase(("a",))),
])
def test_user_syntax_parses_like_the_sqlite_translation(q: str, tree: object) -> None:
    assert parse_user_query(q) == tree


@pytest.mark.parametrize("q", ["", "   ", "*", "**", "()", '""', "\x00", "-", "'", "AND", "OR OR", "NOT", "😀",
                               "\\", "%_%"])
def test_queries_without_words_search_nothing(q: str) -> None:
    assert keyword_query(q, F) is None


def test_translation_to_bool_queries() -> None:
    assert keyword_query("journalists AND NOT reprisals", F) == {
        "bool": {"must": [_phrase("journalists")], "must_not": [_phrase("reprisals")]}}
    assert keyword_query("defenders AND (reprisals OR peace)", F) == {"bool": {"must": [
        _phrase("defenders"),
        {"bool": {"should": [_phrase("reprisals"), _phrase("peace")], "minimum_should_match": 1}}]}}
    assert keyword_query("acceler*", F) == _phrase("acceler", prefix=True)
    assert keyword_query('"civic space"', ["title^3", "text"]) == {
        "multi_match": {"query": "civic space", "type": "phrase", "fields": ["title^3", "text"]}}


def _strings(node: object) -> list[str]:
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in [k, *_strings(v)]]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return [node] if isinstance(node, str) else []


ALLOWED_KEYS = {"multi_match", "query", "type", "phrase", "phrase_prefix", "fields", "text", "bool", "must",
                "must_not", "should", "minimum_should_match"}


@pytest.mark.parametrize("q", [
    'title:defenders', '{title text}: x', '^defenders', 'a + b - c', 'defenders~2', 'x AND y OR z', '"a" OR "b"*',
    '<script>', 'col:', 'defenders\x00reprisals', 'ünïcödé «quotes» — dash', '/regex.*/', 'a||b&&c',
    "x" * 100_000, "defenders " * 20_000, "(((((a", "a)))))", 'field:"x y"~3^2',
])
def test_hostile_input_reaches_elasticsearch_only_as_words(q: str) -> None:
    query = keyword_query(q, F)
    assert query is not None
    json.dumps(query)  # serialisable
    words = [s for s in _strings(query) if s not in ALLOWED_KEYS]
    # Every string that is not a structural key is made of letters/digits and spaces: no syntax can pass.
    assert all(w.replace(" ", "").isalnum() for w in words), words
    # At most 32 words are searched (the SQLite store's cap), however long the input.
    assert sum(len(w.split()) for w in words) <= max(32, len(q.split()[0]) if q.split() else 0)


def test_long_queries_keep_their_first_32_words() -> None:
    query = keyword_query("defenders " * 20_000, F)
    assert query == {"bool": {"must": [_phrase("defenders")] * 32}}


# --- filters and requests ------------------------------------------------------------------------------


def test_statement_filters_become_filter_clauses() -> None:
    f = StatementFilters(date_from=date(2024, 2, 1), date_to=date(2024, 3, 31), source="press.un.org",
                         doc_type="message", speaker_role="Secretary-General", language="en", priority="P1")
    assert filter_clauses(f, "statement", "v1", ["a", "b"]) == [
        {"range": {"effective_date": {"gte": "2024-02-01", "lte": "2024-03-31"}}},
        {"bool": {"should": [{"term": {"source": "press.un.org"}}, {"term": {"sources.source": "press.un.org"}}],
                  "minimum_should_match": 1}},
        {"term": {"doc_type": "message"}},
        {"term": {"speaker_role": "Secretary-General"}},
        {"term": {"language": "en"}},
        {"terms": {"id": ["a", "b"]}},
    ]
    assert filter_clauses(f, "passage", "v1") == [
        {"range": {"date": {"gte": "2024-02-01", "lte": "2024-03-31"}}},
        {"term": {"source": "press.un.org"}},
        {"term": {"doc_type": "message"}},
        {"term": {"speaker_role": "Secretary-General"}},
        {"term": {"language": "en"}},
        {"nested": {"path": "matches", "query": {"bool": {"filter": [
            {"term": {"matches.agenda_version": "v1"}}, {"term": {"matches.priority": "P1"}}]}}}},
    ]
    assert filter_clauses(StatementFilters(), "statement", None) == []
    # A priority filter with no statement addressing it matches nothing (an empty terms list).
    assert filter_clauses(StatementFilters(priority="P9"), "statement", "v1", []) == [{"terms": {"id": []}}]


def test_statement_search_requests() -> None:
    q = keyword_query("defenders", ["title^3", "text"])
    body = statement_search_request(q, [{"term": {"doc_type": "speech"}}], limit=20, offset=40)
    assert body["query"] == {"bool": {"filter": [{"term": {"doc_type": "speech"}}], "must": [q]}}
    assert (body["from"], body["size"], body["track_total_hits"]) == (40, 20, True)
    assert body["sort"] == [{"_score": {"order": "desc"}}, {"id": {"order": "asc"}}]
    assert body["highlight"]["encoder"] == "html" and body["highlight"]["pre_tags"] == ["<mark>"]
    assert set(body["highlight"]["fields"]) == {"text", "title"}
    newest = statement_search_request(None, [], limit=2, offset=0)
    assert newest["sort"][0] == {"effective_date": {"order": "desc", "missing": "_last"}}
    assert newest["runtime_mappings"] == EFFECTIVE_DATE_RUNTIME and "highlight" not in newest
    script = EFFECTIVE_DATE_RUNTIME["effective_date"]["script"]["source"]
    # delivery date first, then release date, then URL date
    assert script.index("delivery_date") < script.index("release_date") < script.index("url_date")


def test_passage_search_requests() -> None:
    plain = passage_search_request(None, [], limit=5, offset=0)
    assert plain["sort"] == [{"date": {"order": "desc", "missing": "_last"}}, {"statement_id": {"order": "asc"}},
                             {"index": {"order": "asc"}}]
    assert plain["_source"] is False


def test_knn_request_filters_by_model_and_converts_scores() -> None:
    body = knn_request([0.6, 0.8], k=30, filters=[{"term": {"doc_type": "speech"}}], model="m1")
    assert body == {"knn": {"field": "vector", "query_vector": [0.6, 0.8], "k": 30, "num_candidates": 100,
                            "filter": [{"term": {"doc_type": "speech"}}, {"term": {"model": "m1"}}]},
                    "size": 30, "_source": False}
    assert knn_request([1.0], k=8000, filters=[], model="m")["knn"]["num_candidates"] == 10_000
    # Elasticsearch scores cosine kNN as (1 + cos) / 2.
    assert cosine_from_score(1.0) == 1.0 and cosine_from_score(0.5) == 0.0
    assert cosine_from_score(0.9) == pytest.approx(0.8)


def test_rrf_fusion() -> None:
    fused = rrf_fuse(["a", "b", "c"], ["c", "d"])
    assert [pid for pid, _ in fused] == ["c", "a", "b", "d"]
    assert dict(fused)["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert dict(fused)["d"] == pytest.approx(1 / 62)


def test_mentions_are_literal_and_case_insensitive() -> None:
    q = mentions_query("Security* Council?")
    assert q["bool"]["should"][0] == {"wildcard": {"location": {"value": "*Security\\* Council\\?*",
                                                                "case_insensitive": True}}}
    assert q["bool"]["should"][1]["wildcard"]["title.raw"]["case_insensitive"] is True


def test_matches_request_sorts_passages_by_their_strongest_match() -> None:
    body = matches_request("v1", "P1", "s1", date(2024, 1, 1), None, size=10)
    nested_filter = {"bool": {"filter": [{"term": {"matches.agenda_version": "v1"}},
                                         {"term": {"matches.priority": "P1"}}]}}
    assert body["sort"][0] == {"matches.score": {"order": "desc", "mode": "max",
                                                 "nested": {"path": "matches", "filter": nested_filter}}}
    assert body["query"]["bool"]["filter"] == [{"nested": {"path": "matches", "query": nested_filter}},
                                               {"term": {"statement_id": "s1"}},
                                               {"range": {"date": {"gte": "2024-01-01"}}}]


# --- responses -> dataclasses ----------------------------------------------------------------------------


def test_statement_page_from_a_search_response() -> None:
    st = statement("defenders", "Defenders <script>x</script> face reprisals", day=date(2024, 1, 10))
    other = statement("climate", "Climate words", day=date(2024, 2, 3))
    resp = {
        "took": 3, "timed_out": False, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
        "hits": {"total": {"value": 7, "relation": "eq"}, "max_score": 2.5, "hits": [
            {"_index": "sgwatch-statements-v1", "_id": st.id, "_score": 2.5, "_source": st.model_dump(mode="json"),
             "highlight": {"text": ["Defenders &lt;script&gt;x&lt;&#x2F;script&gt; face <mark>reprisals</mark>"]},
             "sort": [2.5, st.id]},
            {"_index": "sgwatch-statements-v1", "_id": other.id, "_score": None,
             "_source": other.model_dump(mode="json"), "sort": [1706918400000, other.id]},
        ]},
    }
    page = statement_page(resp, {st.id: ["P1", "P2"]})
    assert page.total == 7
    first, second = page.items
    assert first.statement == st and first.score == 2.5 and first.priorities == ["P1", "P2"]
    assert first.snippet is not None and "<mark>reprisals</mark>" in first.snippet and "<script>" not in first.snippet
    assert second.statement == other and second.score is None and second.priorities == []
    assert second.snippet == "Climate words"  # the escaped opening of the text when nothing is highlighted


def test_statement_priorities_from_nested_terms() -> None:
    resp = {"hits": {"total": {"value": 3, "relation": "eq"}, "hits": []}, "aggregations": {"statements": {
        "doc_count_error_upper_bound": 0, "sum_other_doc_count": 0, "buckets": [
            {"key": "s1", "doc_count": 3, "matches": {"doc_count": 4, "version": {"doc_count": 3, "priorities": {
                "buckets": [{"key": "P10", "doc_count": 1}, {"key": "P2", "doc_count": 2}]}}}},
            {"key": "s2", "doc_count": 1, "matches": {"doc_count": 1, "version": {"doc_count": 0, "priorities": {
                "buckets": []}}}}]}}}
    assert parse_statement_priorities(resp) == {"s1": ["P2", "P10"]}


def _month(key: str, priorities: list[dict]) -> dict:
    return {"key_as_string": key, "key": 0, "doc_count": 5,
            "matches": {"doc_count": 9, "wanted": {"doc_count": 6, "priorities": {"buckets": priorities}}}}


def _prio(key: str, passages: int, statements: int, explicit: int, top: list[dict]) -> dict:
    return {"key": key, "doc_count": passages,
            "passages": {"doc_count": passages, "statements": {"value": statements}},
            "explicit": {"doc_count": explicit, "passages": {"doc_count": explicit}},
            "top": {"hits": {"total": {"value": len(top), "relation": "eq"}, "max_score": None, "hits": [
                {"_index": "sgwatch-passages-v1", "_id": t["passage_id"],
                 "_nested": {"field": "matches", "offset": 0}, "_score": None, "_source": t, "sort": [t["score"]]}
                for t in top]}}}


def _top(pid: str, sid: str, score: float, level: str = "explicit", stance: str = "mention",
         model: str = "m") -> dict:
    return {"passage_id": pid, "statement_id": sid, "priority": "P1", "score": score, "level": level,
            "stance": stance, "agenda_version": "v1", "model": model, "explanation": {}}


def test_monthly_aggregates_from_date_histograms() -> None:
    statements_resp = {"hits": {"total": {"value": 6, "relation": "eq"}, "hits": []}, "aggregations": {"months": {
        "buckets": [{"key_as_string": "2024-01", "key": 1704067200000, "doc_count": 4},
                    {"key_as_string": "2024-02", "key": 1706745600000, "doc_count": 1},
                    {"key_as_string": "2024-04", "key": 1711929600000, "doc_count": 1}]}}}
    matches_resp = {"hits": {"total": {"value": 4, "relation": "eq"}, "hits": []}, "aggregations": {"months": {
        "buckets": [
            _month("2024-01", [
                _prio("P1", passages=3, statements=2, explicit=1, top=[
                    _top("a-0000", "a", 0.9), _top("a-0000", "a", 0.7, model="other"),  # same passage, 2 models
                    _top("b-0001", "b", 0.6, "implicit", "concern"), _top("a-0001", "a", 0.4, "implicit")]),
                _prio("P2", passages=1, statements=1, explicit=1, top=[_top("c-0000", "c", 0.5)])]),
            _month("2024-02", [_prio("P1", passages=1, statements=1, explicit=1,
                                     top=[_top("f-0001", "f", 0.8, stance="commitment")])]),
        ]}}}
    aggs = parse_monthly(statements_resp, matches_resp, ["P1", "P2", "P3"], top_k=2)
    assert [(a.month, a.priority) for a in aggs] == [
        (m, p) for m in ("2024-01", "2024-02", "2024-04") for p in ("P1", "P2", "P3")]
    got = {(a.month, a.priority): a for a in aggs}
    assert got[("2024-01", "P1")] == MonthPriorityAggregate(
        month="2024-01", priority="P1", statements=4, addressing=2, passages=3, explicit_passages=1,
        top=[("a-0000", "a", 0.9, "explicit", "mention"), ("b-0001", "b", 0.6, "implicit", "concern")])
    assert got[("2024-02", "P1")].top == [("f-0001", "f", 0.8, "explicit", "commitment")]
    zero = got[("2024-04", "P1")]
    assert (zero.statements, zero.addressing, zero.passages, zero.explicit_passages, zero.top) == (1, 0, 0, 0, [])
    # Priorities left out: those with matches, in natural order.
    assert {a.priority for a in parse_monthly(statements_resp, matches_resp, None, 2)} == {"P1", "P2"}


def test_monthly_requests() -> None:
    body = monthly_matches_request("v1", [{"term": {"source": "un.org/sg"}}], ["P1", "P2"], top_k=5)
    hist = body["aggs"]["months"]
    assert hist["date_histogram"] == {"field": "date", "calendar_interval": "month", "format": "yyyy-MM",
                                      "min_doc_count": 1}
    wanted = hist["aggs"]["matches"]["aggs"]["wanted"]
    assert wanted["filter"] == {"bool": {"filter": [{"term": {"matches.agenda_version": "v1"}},
                                                    {"terms": {"matches.priority": ["P1", "P2"]}}]}}
    per = wanted["aggs"]["priorities"]["aggs"]
    assert per["passages"]["reverse_nested"] == {} and per["passages"]["aggs"]["statements"]["cardinality"][
        "field"] == "statement_id"
    assert per["top"]["top_hits"]["size"] == 15
    months = monthly_statements_request([{"term": {"doc_type": "speech"}}])
    assert months["aggs"]["months"]["date_histogram"]["field"] == "effective_date"
    assert months["runtime_mappings"] == EFFECTIVE_DATE_RUNTIME


def test_matches_and_passage_hits_from_sources() -> None:
    st = statement("peace", "Peace requires courage. Journalists must be protected", day=date(2024, 3, 20),
                   doc_type="message")
    psrc = {"id": f"{st.id}-0001", "statement_id": st.id, "index": 1, "text": "Journalists must be protected",
            "start": 24, "end": 53, "text_hash": "", "date": "2024-03-20", "source": ["un.org/sg"],
            "doc_type": "message", "model": "m", "agenda_version": "v1", "matches": [
                {"passage_id": f"{st.id}-0001", "statement_id": st.id, "priority": "P1", "score": 0.7,
                 "level": "implicit", "stance": "call_to_action", "agenda_version": "v1", "model": "m",
                 "explanation": {"cues": ["protect"]}},
                {"passage_id": f"{st.id}-0001", "statement_id": st.id, "priority": "P2", "score": 0.9,
                 "level": "explicit", "stance": "mention", "agenda_version": "v0", "model": "m", "explanation": {}},
            ]}
    found = matches_from_passages([psrc], "v1", None)
    assert found == [Match(passage_id=f"{st.id}-0001", statement_id=st.id, priority="P1", score=0.7, level="implicit",
                           stance="call_to_action", agenda_version="v1", model="m",
                           explanation={"cues": ["protect"]})]
    assert matches_from_passages([psrc], "v1", "P2") == []
    hits = passage_hits([(psrc["id"], 0.42)], {psrc["id"]: psrc}, {st.id: st.model_dump(mode="json")},
                        {psrc["id"]: "<mark>Journalists</mark> must be protected"}, "v1")
    (hit,) = hits
    assert (hit.statement_title, hit.url, hit.date, hit.source, hit.doc_type, hit.score) == (
        st.title, st.url, date(2024, 3, 20), "un.org/sg", "message", 0.42)
    assert hit.passage.text == "Journalists must be protected" and hit.passage.statement_id == st.id
    assert [(m.priority, m.score) for m in hit.matches] == [("P1", 0.7)]
    # A passage or statement deleted between the search and the fetch is skipped, not an error.
    assert passage_hits([("gone", 1.0)], {}, {}, {}, "v1") == []


def test_stats_from_responses() -> None:
    def total(n: int) -> dict:
        return {"total": {"value": n, "relation": "eq"}, "hits": []}

    st = {"hits": total(3), "aggregations": {
        "by_source": {"buckets": [{"key": "un.org/sg", "doc_count": 3}, {"key": "press.un.org", "doc_count": 1}]},
        "months": {"buckets": [{"key_as_string": "2024-01", "doc_count": 1}, {"key_as_string": "2024-02",
                                                                              "doc_count": 0},
                               {"key_as_string": "2024-03", "doc_count": 2}]}}}
    pa = {"hits": total(9), "aggregations": {"m": {"doc_count": 4}}}
    an = {"hits": total(5), "aggregations": {"statements": {"value": 3}}}
    outcome = {"buckets": [{"key": "stored", "doc_count": 2, "reason": {"buckets": [{"key": "unknown",
                                                                                       "doc_count": 2}]}},
                           {"key": "skipped", "doc_count": 3, "reason": {"buckets": [
                               {"key": "empty_body", "doc_count": 2}, {"key": "error_page", "doc_count": 1}]}},
                           {"key": "error", "doc_count": 1, "reason": {"buckets": [{"key": "timeout",
                                                                                      "doc_count": 1}]}}]}
    cr = {"hits": total(6), "aggregations": {"outcome": outcome, "by_source": {"buckets": [
        {"key": "un.org/sg", "doc_count": 3, "months": {"buckets": [
            {"key": "2024-01", "doc_count": 2, "outcome": {"buckets": [
                {"key": "stored", "doc_count": 1, "reason": {"buckets": []}},
                {"key": "skipped", "doc_count": 1, "reason": {"buckets": [{"key": "error_page", "doc_count": 1}]}}]}},
            {"key": "undated", "doc_count": 1, "outcome": {"buckets": [
                {"key": "stored", "doc_count": 1, "reason": {"buckets": []}}]}}]},
         "stored": {"doc_count": 2, "paths": {"buckets": [{"key": "title=selector", "doc_count": 1},
                                                          {"key": "title=generic", "doc_count": 1},
                                                          {"key": "date=text_shape", "doc_count": 2}]}}}]}}}
    stats = stats_from_responses(st, pa, an, cr, merged=1)
    assert (stats["statements"], stats["passages"], stats["matches"], stats["analysed"], stats["merged"]) == (
        3, 9, 4, 3, 1)
    assert stats["by_source"] == {"press.un.org": 1, "un.org/sg": 3}
    assert stats["months"] == {"2024-01": 1, "2024-03": 2}
    crawl = stats["crawl"]
    assert (crawl["stored"], crawl["skipped"], crawl["error"]) == (2, {"empty_body": 2, "error_page": 1}, 1)
    assert crawl["by_month"] == {"un.org/sg": {
        "2024-01": {"fetched": 2, "stored": 1, "skipped": {"error_page": 1}},
        "undated": {"fetched": 1, "stored": 1, "skipped": {}}}}
    assert crawl["extraction"] == {"un.org/sg": {"date": {"text_shape": 1.0},
                                                 "title": {"generic": 0.5, "selector": 0.5}}}
    assert crawl["empty_months"] == ["2024-02"]


def test_statement_meta_and_merged_ids() -> None:
    st = statement("x", "Body", day=date(2024, 1, 2), delivery_date=date(2023, 12, 30))
    press = "https://press.un.org/en/2024/sgsm1.doc.htm"
    merged = st.model_copy(update={"sources": [SourceRef(source="un.org/sg", url=st.url),
                                               SourceRef(source="press.un.org", url=press)]})
    assert statement_meta(merged) == {"date": "2023-12-30", "source": ["un.org/sg", "press.un.org"],
                                      "doc_type": "speech", "speaker_role": "Secretary-General", "language": "en"}
    from core.models import statement_id_for

    assert alias_ids(merged) == [statement_id_for(press)]
    assert alias_ids(st) == []


# --- errors ------------------------------------------------------------------------------------------------


def _meta(status: int):  # type: ignore[no-untyped-def]
    from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig

    return ApiResponseMeta(status=status, http_version="1.1", headers=HttpHeaders(), duration=0.01,
                           node=NodeConfig("http", "localhost", 9200))


def test_unreachable_server_is_store_unavailable_with_what_to_start() -> None:
    from elasticsearch import ConnectionError as EsConnectionError

    err = translate_error(EsConnectionError("Connection refused"), "http://localhost:9200", "search statements")
    assert isinstance(err, StoreUnavailable)
    assert "http://localhost:9200" in str(err) and "docker compose up -d elasticsearch" in str(err)


def test_overloaded_server_is_unavailable_and_bad_requests_are_store_errors() -> None:
    from elasticsearch import ApiError, BadRequestError

    body = {"error": {"root_cause": [{"type": "strict_dynamic_mapping_exception",
                                      "reason": "mapping set to strict, dynamic introduction of [x] within [_doc] "
                                                "is not allowed"}],
                      "type": "strict_dynamic_mapping_exception", "reason": "..."}, "status": 400}
    bad = translate_error(BadRequestError("strict", _meta(400), body), "http://es:9200", "store statements")
    assert type(bad) is StoreError
    assert "strict_dynamic_mapping_exception" in str(bad) and "sgwatch index migrate" in str(bad)
    busy = translate_error(ApiError("unavailable", _meta(503), {"error": {"type": "cluster_block_exception",
                                                                           "reason": "blocked"}}),
                           "http://es:9200", "search")
    assert isinstance(busy, StoreUnavailable) and "cluster_block_exception" in str(busy)


def test_pages_beyond_the_result_window_are_refused_clearly() -> None:
    from core.store.elastic import _window

    _window(20, 9_980)
    with pytest.raises(InvalidQuery, match="10,000"):
        _window(20, 9_981)


def test_filters_the_backend_cannot_apply_are_refused_not_ignored() -> None:
    from core.store.elastic import _supported

    _supported(StatementFilters(priority="P1", source="un.org/sg"))
    for name, value in (("speaker", "Spokesperson"), ("location", "Geneva"), ("min_score", 0.5)):
        if name not in StatementFilters.__dataclass_fields__:
            continue  # the protocol's newer filters: only checked where base.py has them
        with pytest.raises(InvalidQuery, match=name):
            _supported(StatementFilters(**{name: value}))
