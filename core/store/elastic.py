"""The scale store: the Store protocol on Elasticsearch 8 (official client, same major version as the server).

Indexes — each a versioned concrete index (``<prefix>-<name>-v<N>``) behind an alias (``<prefix>-<name>``),
created from the settings and mappings in index_mappings/<name>.json (``"dynamic": "strict"``: a field the
code writes but the file does not declare is refused, per document):

* ``statements`` — one document per statement, exactly the model's fields (the SQLite columns and the
  export schema read the same list, so nothing backend-specific is added here);
* ``passages`` — one document per passage with its vector (one model at a time: the latest saved), its
  matches (nested; every agenda version x model) and its statement's metadata copied in (``date`` = the
  effective date, ``source`` = every site it is on, doc_type, speaker_role, language), so filters, kNN and
  the monthly aggregations run on one index;
* ``analyses`` — statement x agenda version x model with the analysis hash it was made for (pending_analysis);
* ``aliases`` — a merged duplicate's id -> the stored statement's id;
* ``crawl_log`` — the latest outcome per (source, url).

The effective date of a statement (delivery, else release, else URL date) is a runtime field of each
statement search, so the statements index holds only the model's fields.

Elasticsearch has no transactions. ``save_analysis`` validates everything before it writes, writes the
passages first and the analysis record last: a failure half-way leaves the statement pending, and the next
``sgwatch analyze`` redoes it. Writes refresh the index (``refresh=True``) so that a read after a write sees
it, like the SQLite store; bulk loads (``sgwatch index sync``) refresh once at the end.

The pure parts — query translation, filters, aggregations, response translation — are module functions
that take and return plain dicts in the JSON shapes the client documents; tests/store/test_elastic_unit.py
checks them without a server.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, Literal, Self

import numpy as np

from core.errors import ConfigError, InvalidQuery, SgwatchError, StoreError, StoreUnavailable
from core.models import Match, Passage, Statement, stable_id, statement_id_for
from core.store.base import (
    MAPPINGS_DIR,
    MonthPriorityAggregate,
    PassageHit,
    SearchPage,
    StatementFilters,
    StatementHit,
    Store,
    StoredAnalysis,
    UpsertResult,
)

# One merge policy and one user-query syntax for both backends: the SQLite store's helpers are reused.
from core.store.query import AllOf, AnyOf, Phrase, QueryNode, parse_user_query  # noqa: F401 (re-exported)
from core.store.sqlite import (
    _analysis_hash,
    _content_hash,
    _empty_months,
    _fill_missing,
    _lead_snippet,
    _merge_sources,
    _natural_key,
    _with_own_ref,
)

if TYPE_CHECKING:
    from elasticsearch import Elasticsearch

log = logging.getLogger(__name__)

INDEXES = ("statements", "passages", "analyses", "aliases", "crawl_log")
START_HINT = ("Start it with `docker compose up -d elasticsearch` (README, section Elasticsearch) or point "
              "SGWATCH_ELASTICSEARCH_URL at a running server; SGWATCH_STORE=sqlite uses the embedded store.")
MAX_WINDOW = 10_000  # index.max_result_window: from + size of one search
_BATCH = 500
_FUSION_POOL = 1000  # candidates from each list before reciprocal-rank fusion (same as the SQLite store)
_RRF_K = 60
_PIT_KEEP_ALIVE = "2m"
_TOP_HITS_MAX = 100  # index.max_inner_result_window
_TERMS_MAX = 65_536  # indices.query.terms.max_terms_count (statement-level priority/mention filters)
_MARK = {"pre_tags": ["<mark>"], "post_tags": ["</mark>"], "encoder": "html"}

# delivery date, else release date, else URL date: the date months and date filters use.
EFFECTIVE_DATE_RUNTIME: dict[str, Any] = {
    "effective_date": {
        "type": "date",
        "script": {"source": (
            "if (doc['delivery_date'].size() != 0) { emit(doc['delivery_date'].value.toInstant().toEpochMilli()); }"
            " else if (doc['release_date'].size() != 0) { emit(doc['release_date'].value.toInstant().toEpochMilli()); }"
            " else if (doc['url_date'].size() != 0) { emit(doc['url_date'].value.toInstant().toEpochMilli()); }")},
    }
}


# --------------------------------------------------------------------------------------------------
# Mappings
# --------------------------------------------------------------------------------------------------


def load_mapping(name: str) -> dict[str, Any]:
    """index_mappings/<name>.json as a dict (settings and mappings)."""
    path = MAPPINGS_DIR / f"{name}.json"
    try:
        doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read the Elasticsearch mapping {path}: {exc}") from exc
    return doc


def index_body(name: str, vector_dims: int | None = None) -> dict[str, Any]:
    """Settings and mappings for a new index, tagged in _meta with a hash of exactly what is created.

    vector_dims (passages only): None keeps the file's dims, 0 leaves them to the first vector stored,
    another number replaces them (a model of another dimension than all-MiniLM-L6-v2's 384).
    """
    body = copy.deepcopy(load_mapping(name))
    if name == "passages" and vector_dims is not None:
        vec = body["mappings"]["properties"]["vector"]
        if vector_dims == 0:
            vec.pop("dims", None)
        else:
            vec["dims"] = int(vector_dims)
    digest = hashlib.sha1(json.dumps(body, sort_keys=True).encode("utf-8")).hexdigest()[:12]
    body["mappings"]["_meta"] = {"sgwatch_mapping_hash": digest, "sgwatch_index": name}
    return body


def undeclared_fields(doc: dict[str, Any], properties: dict[str, Any], prefix: str = "") -> list[str]:
    """Paths of fields in a document that the mapping properties do not declare (strict mapping would refuse them)."""
    missing: list[str] = []
    for key, value in doc.items():
        spec = properties.get(key)
        path = f"{prefix}{key}"
        if spec is None:
            missing.append(path)
            continue
        if spec.get("enabled") is False or "properties" not in spec:
            continue
        inner = spec["properties"]
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                missing += undeclared_fields(item, inner, f"{path}.")
    return sorted(set(missing))


# --------------------------------------------------------------------------------------------------
# User query syntax (parsed in core.store.query) -> Elasticsearch query
# --------------------------------------------------------------------------------------------------


def node_query(node: QueryNode, fields: Sequence[str]) -> dict[str, Any]:
    """The Elasticsearch query for a parsed user query; only words reach it, never the user's operators."""
    if isinstance(node, Phrase):
        return {"multi_match": {"query": " ".join(node.words), "type": "phrase_prefix" if node.prefix else "phrase",
                                "fields": list(fields)}}
    if isinstance(node, AllOf):
        body: dict[str, Any] = {"must": [node_query(n, fields) for n in node.must]}
        if node.must_not:
            body["must_not"] = [node_query(n, fields) for n in node.must_not]
        return {"bool": body}
    return {"bool": {"should": [node_query(n, fields) for n in node.should], "minimum_should_match": 1}}


def keyword_query(q: str, fields: Sequence[str], *, plain: bool = False) -> dict[str, Any] | None:
    """The user's query as an Elasticsearch query over the fields (None: nothing to search for)."""
    node = parse_user_query(q, plain=plain)
    return None if node is None else node_query(node, fields)


STATEMENT_FIELDS = ("title^3", "text")  # bm25 weights of the SQLite store: title 3, text 1
PASSAGE_FIELDS = ("text",)


# --------------------------------------------------------------------------------------------------
# Filters and requests
# --------------------------------------------------------------------------------------------------


def match_filter(agenda_version: str, priority: str | Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Conditions on nested matches: this agenda version, and the priority (or priorities) when given."""
    out: list[dict[str, Any]] = [{"term": {"matches.agenda_version": agenda_version}}]
    if isinstance(priority, str):
        out.append({"term": {"matches.priority": priority}})
    elif priority is not None:
        out.append({"terms": {"matches.priority": list(priority)}})
    return out


def nested_matches(agenda_version: str, priority: str | Sequence[str] | None = None) -> dict[str, Any]:
    """Passages with at least one match of this agenda version (and priority)."""
    return {"nested": {"path": "matches", "query": {"bool": {"filter": match_filter(agenda_version, priority)}}}}


def date_range(fieldname: str, date_from: date | None, date_to: date | None) -> dict[str, Any] | None:
    """A range condition on a date field (inclusive), None when unbounded."""
    bounds = {}
    if date_from is not None:
        bounds["gte"] = date_from.isoformat()
    if date_to is not None:
        bounds["lte"] = date_to.isoformat()
    return {"range": {fieldname: bounds}} if bounds else None


def filter_clauses(f: StatementFilters, level: Literal["statement", "passage"], agenda_version: str | None,
                   statement_ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Filter context for a statement or passage search.

    Statement level: the priority filter is a join (matches live on passages), so the caller passes the ids
    of the statements that have a match for it (statement_ids). Passage level: a nested query.
    """
    out: list[dict[str, Any]] = []
    rng = date_range("effective_date" if level == "statement" else "date", f.date_from, f.date_to)
    if rng:
        out.append(rng)
    if f.source is not None:
        if level == "statement":
            out.append({"bool": {"should": [{"term": {"source": f.source}}, {"term": {"sources.source": f.source}}],
                                 "minimum_should_match": 1}})
        else:
            out.append({"term": {"source": f.source}})
    for name in ("doc_type", "speaker_role", "language"):
        value = getattr(f, name)
        if value is not None:
            out.append({"term": {name: value}})
    if f.priority is not None:
        if level == "passage":
            out.append(nested_matches(agenda_version or "", f.priority))
        else:
            out.append({"terms": {"id": list(statement_ids or [])}})
    return out


_UNSUPPORTED_FILTERS = ("speaker", "location", "level", "stance", "min_score")


def _supported(f: StatementFilters) -> None:
    """Filters the Elasticsearch store does not apply yet are refused rather than silently ignored."""
    used = [name for name in _UNSUPPORTED_FILTERS if getattr(f, name, None) is not None]
    if used:
        raise InvalidQuery(f"the Elasticsearch store does not support the filter(s) {', '.join(used)} yet; "
                           "leave them out or use SGWATCH_STORE=sqlite")


def _window(limit: int, offset: int) -> None:
    if offset + limit > MAX_WINDOW:
        raise InvalidQuery(f"offset + limit may not exceed {MAX_WINDOW:,} on Elasticsearch (got {offset + limit:,}); "
                           "narrow the filters, or export everything with `sgwatch export`")


def highlight(fields: Sequence[str]) -> dict[str, Any]:
    """Highlight request: one fragment per field, HTML-escaped, terms in <mark> (safe to render)."""
    return {**_MARK, "fields": {f: {"number_of_fragments": 1, "fragment_size": 200} for f in fields}}


def statement_search_request(query: dict[str, Any] | None, filters: list[dict[str, Any]], limit: int,
                             offset: int) -> dict[str, Any]:
    """Statements by keyword (bm25, then id) or, without a query, newest first (effective date, then id)."""
    body: dict[str, Any] = {
        "runtime_mappings": EFFECTIVE_DATE_RUNTIME, "track_total_hits": True, "from": offset, "size": limit,
        "query": {"bool": {"filter": filters}},
    }
    if query is not None:
        body["query"]["bool"]["must"] = [query]
        body["sort"] = [{"_score": {"order": "desc"}}, {"id": {"order": "asc"}}]
        body["highlight"] = highlight(["text", "title"])
    else:
        body["sort"] = [{"effective_date": {"order": "desc", "missing": "_last"}}, {"id": {"order": "asc"}}]
    return body


def passage_search_request(query: dict[str, Any] | None, filters: list[dict[str, Any]], limit: int,
                           offset: int) -> dict[str, Any]:
    """Passages by keyword (bm25, then id) or, without a query, newest first (date, statement, index)."""
    body: dict[str, Any] = {"track_total_hits": True, "from": offset, "size": limit, "_source": False,
                            "query": {"bool": {"filter": filters}}}
    if query is not None:
        body["query"]["bool"]["must"] = [query]
        body["sort"] = [{"_score": {"order": "desc"}}, {"id": {"order": "asc"}}]
        body["highlight"] = highlight(["text"])
    else:
        body["sort"] = [{"date": {"order": "desc", "missing": "_last"}}, {"statement_id": {"order": "asc"}},
                        {"index": {"order": "asc"}}]
    return body


def knn_request(vector: Sequence[float], k: int, filters: list[dict[str, Any]], model: str) -> dict[str, Any]:
    """Approximate kNN (HNSW) over the passages of one model, filters applied during the search."""
    return {
        "knn": {"field": "vector", "query_vector": [float(x) for x in vector], "k": k,
                "num_candidates": min(MAX_WINDOW, max(100, 2 * k)),
                "filter": [*filters, {"term": {"model": model}}]},
        "size": k, "_source": False,
    }


def cosine_from_score(score: float) -> float:
    """kNN on a cosine field scores (1 + cos) / 2; the store reports the cosine itself, as SQLite does."""
    return 2.0 * float(score) - 1.0


def rrf_fuse(*rankings: Sequence[str], k: int = _RRF_K) -> list[tuple[str, float]]:
    """Reciprocal-rank fusion: sum of 1 / (k + rank) over the lists, best first, ties by id."""
    fused: dict[str, float] = defaultdict(float)
    for ranking in rankings:
        for rank, pid in enumerate(ranking, start=1):
            fused[pid] += 1.0 / (k + rank)
    return sorted(fused.items(), key=lambda kv: (-kv[1], kv[0]))


def statement_ids_request(query: dict[str, Any], after: dict[str, Any] | None = None,
                          size: int = 10_000) -> dict[str, Any]:
    """Distinct statement ids of the passages matching a query (composite aggregation, paged by after_key)."""
    comp: dict[str, Any] = {"size": size, "sources": [{"sid": {"terms": {"field": "statement_id"}}}]}
    if after:
        comp["after"] = after
    return {"size": 0, "query": query, "aggs": {"sids": {"composite": comp}}}


def statement_priorities_request(ids: Sequence[str], agenda_version: str) -> dict[str, Any]:
    """Which priorities each of these statements has a match for (under one agenda version)."""
    return {
        "size": 0, "query": {"bool": {"filter": [{"terms": {"statement_id": list(ids)}},
                                                 nested_matches(agenda_version)]}},
        "aggs": {"statements": {"terms": {"field": "statement_id", "size": max(1, len(ids))},
                                "aggs": {"matches": {"nested": {"path": "matches"}, "aggs": {
                                    "version": {"filter": {"bool": {"filter": match_filter(agenda_version)}},
                                                "aggs": {"priorities": {"terms": {"field": "matches.priority",
                                                                                  "size": 1000}}}}}}}}},
    }


def parse_statement_priorities(resp: dict[str, Any]) -> dict[str, list[str]]:
    """{statement id: priorities in natural order} from a statement_priorities_request response."""
    out: dict[str, list[str]] = {}
    for b in resp.get("aggregations", {}).get("statements", {}).get("buckets", []):
        prios = [p["key"] for p in b["matches"]["version"]["priorities"]["buckets"]]
        if prios:
            out[str(b["key"])] = sorted(prios, key=_natural_key)
    return out


def monthly_statements_request(filters: list[dict[str, Any]]) -> dict[str, Any]:
    """Statements per month (effective date), months with statements only."""
    return {
        "size": 0, "runtime_mappings": EFFECTIVE_DATE_RUNTIME, "query": {"bool": {"filter": filters}},
        "aggs": {"months": {"date_histogram": {"field": "effective_date", "calendar_interval": "month",
                                               "format": "yyyy-MM", "min_doc_count": 1}}},
    }


def monthly_matches_request(agenda_version: str, filters: list[dict[str, Any]], priorities: Sequence[str] | None,
                            top_k: int) -> dict[str, Any]:
    """Per month (passage date = the statement's effective date) x priority: distinct passages, distinct
    statements, explicit passages and the strongest matches (nested aggregations back to the passage)."""
    mf = match_filter(agenda_version, priorities)
    # Several models can match one passage: ask for more than top_k so that deduplication still leaves top_k.
    size = min(_TOP_HITS_MAX, max(1, 3 * top_k))
    per_priority = {
        "passages": {"reverse_nested": {}, "aggs": {"statements": {"cardinality": {
            "field": "statement_id", "precision_threshold": 40_000}}}},
        "explicit": {"filter": {"term": {"matches.level": "explicit"}}, "aggs": {"passages": {"reverse_nested": {}}}},
        "top": {"top_hits": {"size": size, "sort": [{"matches.score": {"order": "desc"}},
                                                    {"matches.passage_id": {"order": "asc"}}]}},
    }
    return {
        "size": 0,
        "query": {"bool": {"filter": [*filters, {"nested": {"path": "matches",
                                                             "query": {"bool": {"filter": mf}}}}]}},
        "aggs": {"months": {
            "date_histogram": {"field": "date", "calendar_interval": "month", "format": "yyyy-MM", "min_doc_count": 1},
            "aggs": {"matches": {"nested": {"path": "matches"}, "aggs": {"wanted": {
                "filter": {"bool": {"filter": mf}},
                "aggs": {"priorities": {"terms": {"field": "matches.priority", "size": 1000}, "aggs": per_priority}},
            }}}},
        }},
    }


def parse_monthly(statements_resp: dict[str, Any], matches_resp: dict[str, Any], priorities: Sequence[str] | None,
                  top_k: int) -> list[MonthPriorityAggregate]:
    """MonthPriorityAggregate rows (month order, then priority order) from the two monthly responses."""
    month_counts = {b["key_as_string"]: int(b["doc_count"])
                    for b in statements_resp.get("aggregations", {}).get("months", {}).get("buckets", [])
                    if b.get("doc_count")}
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    for mb in matches_resp.get("aggregations", {}).get("months", {}).get("buckets", []):
        for pb in mb["matches"]["wanted"]["priorities"]["buckets"]:
            cells[(mb["key_as_string"], pb["key"])] = pb
    if priorities is None:
        prio_list = sorted({p for _, p in cells}, key=_natural_key)
    else:
        prio_list = list(dict.fromkeys(priorities))
    out: list[MonthPriorityAggregate] = []
    for month in sorted(month_counts):
        for pid in prio_list:
            b = cells.get((month, pid))
            if b is None:
                out.append(MonthPriorityAggregate(month=month, priority=pid, statements=month_counts[month],
                                                  addressing=0, passages=0, explicit_passages=0, top=[]))
                continue
            top: list[tuple[str, str, float, str, str]] = []
            seen: set[str] = set()
            for hit in b["top"]["hits"]["hits"]:
                src = hit["_source"]
                passage_id = str(src.get("passage_id") or hit["_id"])
                if passage_id in seen:
                    continue
                seen.add(passage_id)
                top.append((passage_id, str(src["statement_id"]), float(src["score"]), str(src["level"]),
                            str(src["stance"])))
            top.sort(key=lambda e: (-e[2], e[0]))
            out.append(MonthPriorityAggregate(
                month=month, priority=pid, statements=month_counts[month],
                addressing=int(b["passages"]["statements"]["value"]), passages=int(b["passages"]["doc_count"]),
                explicit_passages=int(b["explicit"]["passages"]["doc_count"]), top=top[:max(0, top_k)]))
    return out


def matches_request(agenda_version: str, priority: str | None, statement_id: str | None, date_from: date | None,
                    date_to: date | None, size: int) -> dict[str, Any]:
    """Passages holding matches of a version (and priority), strongest match first."""
    mf = match_filter(agenda_version, priority)
    filters: list[dict[str, Any]] = [{"nested": {"path": "matches", "query": {"bool": {"filter": mf}}}}]
    if statement_id is not None:
        filters.append({"term": {"statement_id": statement_id}})
    rng = date_range("date", date_from, date_to)
    if rng:
        filters.append(rng)
    return {
        "size": size, "query": {"bool": {"filter": filters}}, "_source": {"excludes": ["vector"]},
        "sort": [{"matches.score": {"order": "desc", "mode": "max",
                                    "nested": {"path": "matches", "filter": {"bool": {"filter": mf}}}}},
                 {"id": {"order": "asc"}}],
    }


def matches_from_passages(sources: Iterable[dict[str, Any]], agenda_version: str, priority: str | None) -> list[Match]:
    """The matches of a version (and priority) held by passage documents, strongest first (then passage, priority)."""
    out = []
    for src in sources:
        for m in src.get("matches") or []:
            if m.get("agenda_version") != agenda_version or (priority is not None and m.get("priority") != priority):
                continue
            out.append(match_from_doc(m, src))
    out.sort(key=lambda m: (-m.score, m.passage_id, m.priority))
    return out


# --------------------------------------------------------------------------------------------------
# Documents <-> models
# --------------------------------------------------------------------------------------------------


def statement_doc(st: Statement) -> dict[str, Any]:
    """The statements-index document of a statement: its fields, JSON-typed."""
    return st.model_dump(mode="json")


def statement_from_source(src: dict[str, Any]) -> Statement:
    """A Statement from a statements-index _source."""
    return Statement.model_validate({k: v for k, v in src.items() if v is not None})


def statement_meta(st: Statement) -> dict[str, Any]:
    """Statement fields copied onto its passages (filters and months run on the passages index)."""
    eff = st.effective_date
    sources = list(dict.fromkeys([st.source, *(ref.source for ref in st.sources)]))
    return {"date": eff.isoformat() if eff else None, "source": sources, "doc_type": st.doc_type,
            "speaker_role": st.speaker_role, "language": st.language}


def match_doc(m: Match, statement_id: str) -> dict[str, Any]:
    """A nested match of a passage document."""
    doc = m.model_dump(mode="json")
    doc["statement_id"] = statement_id
    return doc


def match_from_doc(m: dict[str, Any], passage_src: dict[str, Any]) -> Match:
    """A Match from a nested match (passage and statement ids from the passage when absent)."""
    data = dict(m)
    data.setdefault("passage_id", passage_src.get("id"))
    data.setdefault("statement_id", passage_src.get("statement_id"))
    data["explanation"] = data.get("explanation") or {}
    return Match.model_validate(data)


def passage_doc(p: Passage, statement_id: str, meta: dict[str, Any], agenda_version: str,
                matches: Sequence[dict[str, Any]], vector: Sequence[float] | None, model: str | None) -> dict[str, Any]:
    """A passages-index document: the passage, its statement's metadata, its vector and its matches."""
    doc = p.model_dump(mode="json")
    doc["statement_id"] = statement_id
    doc.update(meta)
    doc["agenda_version"] = agenda_version
    doc["matches"] = list(matches)
    if vector is not None:
        doc["vector"] = [float(x) for x in vector]
        doc["model"] = model
    return doc


def passage_from_source(src: dict[str, Any]) -> Passage:
    """A Passage from a passages-index _source (the denormalised fields are dropped)."""
    return Passage.model_validate({k: src[k] for k in Passage.model_fields if src.get(k) is not None})


def analysis_doc(statement_id: str, agenda_version: str, model: str, content_hash: str, passages: int,
                 matches: int) -> dict[str, Any]:
    """An analyses-index document: which content an analysis was made for, and when."""
    now = time.time_ns()
    return {"statement_id": statement_id, "agenda_version": agenda_version, "model": model,
            "content_hash": content_hash,
            "analysed_at": datetime.fromtimestamp(now / 1e9, tz=UTC).isoformat(timespec="milliseconds"),
            "analysed_ns": now, "passages": passages, "matches": matches}


def analysis_id(statement_id: str, agenda_version: str, model: str) -> str:
    """Stable id of an analysis record."""
    return stable_id(f"{statement_id}\n{agenda_version}\n{model}", 32)


def crawl_doc(source: str, url: str, outcome: str, reason: str | None, month: str | None,
              extraction: dict[str, str] | None) -> dict[str, Any]:
    """A crawl_log document (latest outcome per source and URL)."""
    # extraction_paths ("field=path") is what the stats aggregate: the object itself is stored, not indexed.
    return {"source": source, "url": url, "outcome": outcome, "reason": reason, "month": month,
            "extraction": extraction, "extraction_paths": sorted(f"{k}={v}" for k, v in (extraction or {}).items()),
            "at": datetime.now(UTC).isoformat(timespec="milliseconds")}


def crawl_id(source: str, url: str) -> str:
    """Stable id of a crawl_log entry."""
    return stable_id(f"{source}\n{url}", 32)


def snippet_of(hit: dict[str, Any], fields: Sequence[str]) -> str | None:
    """The first highlighted fragment of a hit in field order (already HTML-escaped by the server)."""
    hl = hit.get("highlight") or {}
    for name in fields:
        frags = hl.get(name)
        if frags:
            return str(frags[0])
    return None


def statement_page(resp: dict[str, Any], priorities: dict[str, list[str]]) -> SearchPage:
    """SearchPage of StatementHit from a statement_search_request response."""
    items = []
    for hit in resp["hits"]["hits"]:
        st = statement_from_source(hit["_source"])
        score = hit.get("_score")
        items.append(StatementHit(statement=st, score=float(score) if score is not None else None,
                                  snippet=snippet_of(hit, ("text", "title")) or _lead_snippet(st.text),
                                  priorities=priorities.get(st.id, [])))
    return SearchPage(total=int(resp["hits"]["total"]["value"]), items=items)


def passage_hits(ranked: Sequence[tuple[str, float]], passages: dict[str, dict[str, Any]],
                 statements: dict[str, dict[str, Any]], snippets: dict[str, str | None],
                 agenda_version: str | None) -> list[PassageHit]:
    """PassageHit list in ranked order from passage and statement _sources (missing ones are skipped)."""
    hits = []
    for pid, score in ranked:
        src = passages.get(pid)
        if src is None:
            continue
        st = statements.get(src["statement_id"])
        if st is None:
            continue
        passage = passage_from_source(src)
        eff = st.get("delivery_date") or st.get("release_date") or st.get("url_date")
        matches = ([match_from_doc(m, src) for m in src.get("matches") or []
                    if m.get("agenda_version") == agenda_version] if agenda_version is not None else [])
        matches.sort(key=lambda m: (-m.score, m.priority))
        hits.append(PassageHit(passage=passage, statement_title=st["title"], url=st["url"],
                               date=date.fromisoformat(eff[:10]) if eff else None, source=st["source"],
                               doc_type=st.get("doc_type") or "other", score=score,
                               snippet=snippets.get(pid) or _lead_snippet(passage.text), matches=matches))
    return hits


# --------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------


def _api_reason(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        err = body["error"]
        root = (err.get("root_cause") or [{}])[0]
        kind = root.get("type") or err.get("type") or "error"
        reason = root.get("reason") or err.get("reason") or ""
        return f"{kind}: {reason}".strip(": ")
    return str(getattr(exc, "message", "") or exc)


def translate_error(exc: Exception, url: str, what: str) -> StoreError:
    """The store error for a client exception: unreachable/overloaded -> StoreUnavailable, else StoreError."""
    from elasticsearch import ApiError, TransportError, UnsupportedProductError

    if isinstance(exc, UnsupportedProductError):
        return StoreUnavailable(f"the server at {url} is not Elasticsearch ({exc}); {START_HINT}")
    if isinstance(exc, TransportError):  # connection refused, DNS, timeout, TLS
        return StoreUnavailable(f"Elasticsearch at {url} cannot be reached to {what} "
                                f"({type(exc).__name__}: {getattr(exc, 'message', exc)}). {START_HINT}")
    if isinstance(exc, ApiError):
        status = int(getattr(exc, "status_code", 0) or getattr(getattr(exc, "meta", None), "status", 0) or 0)
        reason = _api_reason(exc)
        if status in (429, 502, 503, 504):
            return StoreUnavailable(f"Elasticsearch at {url} is unavailable (HTTP {status}) and could not "
                                    f"{what}: {reason}. {START_HINT}")
        hint = ""
        if "strict_dynamic_mapping" in reason or "mapper_parsing" in reason:
            hint = " The index mapping is older than index_mappings/: run `sgwatch index migrate`."
        return StoreError(f"Elasticsearch failed to {what} (HTTP {status}) {reason}.{hint}")
    return StoreError(f"Elasticsearch failed to {what}: {exc}")


def _is_client_error(exc: Exception) -> bool:
    from elasticsearch import ApiError, TransportError, UnsupportedProductError

    return isinstance(exc, ApiError | TransportError | UnsupportedProductError)


# --------------------------------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------------------------------


@dataclass
class MigrationStep:
    """What `sgwatch index migrate` did to one index."""

    name: str
    action: Literal["created", "up to date", "migrated"]
    old_index: str | None
    new_index: str
    documents: int = 0


@dataclass
class SyncSummary:
    """What `sgwatch index sync` copied from the embedded store."""

    statements: int = 0
    aliases: int = 0
    passages: int = 0
    vectors: int = 0
    matches: int = 0
    analyses: int = 0
    deleted_passages: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)  # the first failures, one line each


class _VectorCursor:
    """Vectors of a source store by passage id, read batch by batch as the statements (same order) ask."""

    def __init__(self, batches: Iterator[tuple[list[str], np.ndarray]]) -> None:
        self._it = batches
        self._buf: dict[str, np.ndarray] = {}
        self._last: str | None = None
        self._done = False

    def take(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        if not ids:
            return {}
        # Read ahead until every wanted id has been passed; unclaimed vectors wait in the buffer, so a
        # different order costs memory, never correctness.
        high = max(ids)
        while not self._done and (self._last is None or self._last < high):
            try:
                bids, matrix = next(self._it)
            except StopIteration:
                self._done = True
                break
            for i, pid in enumerate(bids):
                self._buf[pid] = matrix[i]
            if bids:
                self._last = bids[-1]
        return {pid: self._buf.pop(pid) for pid in ids if pid in self._buf}


class ElasticStore:
    """The Store protocol on Elasticsearch 8 (see the module docstring for the indexes and consistency)."""

    def __init__(self, url: str, prefix: str = "sgwatch", *, timeout: float = 30.0, vector_dims: int | None = None,
                 refresh: bool = True, create: bool = True, client: Elasticsearch | None = None) -> None:
        import re

        from elasticsearch import Elasticsearch

        if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", prefix or ""):
            raise ConfigError(f"index prefix {prefix!r} is not a valid Elasticsearch index name "
                              "(lower-case letters, digits, '-', '_', '.')")
        self.url = url
        self.prefix = prefix
        self.vector_dims = vector_dims
        self.refresh = refresh
        self._dims: int | None = None
        self.es = client or Elasticsearch(url, request_timeout=timeout, max_retries=2, retry_on_timeout=True)
        with self._errors("connect"):
            info = self.es.info().body
            number = str(info.get("version", {}).get("number", "?"))
            if not number.startswith("8."):
                raise StoreUnavailable(f"Elasticsearch at {url} is version {number}; sgwatch uses the 8.x client "
                                       "and needs an 8.x server (docker-compose.yml starts one)")
            health = self.es.cluster.health(timeout="10s").body
            if health.get("status") == "red":
                raise StoreUnavailable(f"Elasticsearch at {url} reports cluster health red (shards unassigned); "
                                       "nothing can be stored safely until it recovers")
        if create:
            self.ensure_indices()

    @classmethod
    def from_settings(cls, settings: Any) -> ElasticStore:
        """The store the settings name (SGWATCH_ELASTICSEARCH_URL, _INDEX_PREFIX, _TIMEOUT, _VECTOR_DIMS)."""
        if not settings.elasticsearch_url:
            raise ConfigError("SGWATCH_STORE=elasticsearch needs SGWATCH_ELASTICSEARCH_URL "
                              "(e.g. http://localhost:9200; `docker compose up -d elasticsearch` starts one)")
        return cls(settings.elasticsearch_url, settings.elasticsearch_index_prefix,
                   timeout=settings.elasticsearch_timeout, vector_dims=settings.elasticsearch_vector_dims)

    # --- plumbing ------------------------------------------------------------------------------

    @contextmanager
    def _errors(self, what: str) -> Iterator[None]:
        """Client exceptions become StoreError / StoreUnavailable; ours pass through."""
        try:
            yield
        except SgwatchError:
            raise
        except Exception as exc:
            if _is_client_error(exc):
                raise translate_error(exc, self.url, what) from exc
            raise

    def alias(self, name: str) -> str:
        """The alias every read and write goes through."""
        return f"{self.prefix}-{name}"

    def _concrete(self, name: str) -> str | None:
        from elasticsearch import NotFoundError

        try:
            found = self.es.indices.get_alias(name=self.alias(name))
        except NotFoundError:
            return None
        names = sorted(found.keys())
        return names[-1] if names else None

    def _create(self, name: str, version: int, with_alias: bool) -> str:
        from elasticsearch import BadRequestError

        concrete = f"{self.alias(name)}-v{version}"
        body = index_body(name, self.vector_dims)
        try:
            self.es.indices.create(index=concrete, settings=body["settings"], mappings=body["mappings"],
                                   aliases={self.alias(name): {}} if with_alias else None)
        except BadRequestError as exc:
            # Another process created it a moment ago: fine when the alias is in place.
            if "resource_already_exists" not in _api_reason(exc) or (with_alias and self._concrete(name) is None):
                raise
        return concrete

    def ensure_indices(self) -> None:
        """Create missing indexes (version 1 behind their aliases); warn when a mapping file has changed."""
        with self._errors("create the indexes"):
            for name in INDEXES:
                concrete = self._concrete(name)
                if concrete is None:
                    if self.es.indices.exists(index=self.alias(name)):
                        raise StoreError(f"{self.alias(name)} is an index, not an alias; sgwatch reads and writes "
                                         "through aliases: re-index it or choose another SGWATCH_ELASTICSEARCH_"
                                         "INDEX_PREFIX")
                    self._create(name, 1, with_alias=True)
                elif self._index_hash(concrete) != index_body(name, self.vector_dims)["mappings"]["_meta"][
                        "sgwatch_mapping_hash"]:
                    log.warning("index %s was created from an older index_mappings/%s.json; run `sgwatch index "
                                "migrate` to re-index it", concrete, name)
            self.es.cluster.health(index=",".join(self.alias(n) for n in INDEXES), wait_for_status="yellow",
                                   timeout="30s")

    def _index_hash(self, concrete: str) -> str | None:
        mapping = self.es.indices.get_mapping(index=concrete)
        meta = mapping[concrete]["mappings"].get("_meta") or {}
        return meta.get("sgwatch_mapping_hash")

    def migrate(self, keep_old: bool = False, on_step: Callable[[str], None] | None = None) -> list[MigrationStep]:
        """Create missing indexes; re-index those whose mapping file changed into v<N+1>, then move the alias.

        Reads go on through the alias during the copy (no downtime); writes made during the copy are not
        carried over, so run it while no crawl or analysis is writing. A copy with failures is deleted and
        the alias left where it was.
        """
        steps: list[MigrationStep] = []
        say = on_step or (lambda _msg: None)
        with self._errors("migrate the indexes"):
            for name in INDEXES:
                body = index_body(name, self.vector_dims)
                want = body["mappings"]["_meta"]["sgwatch_mapping_hash"]
                current = self._concrete(name)
                if current is None:
                    new = self._create(name, 1, with_alias=True)
                    steps.append(MigrationStep(name, "created", None, new))
                    say(f"{name}: created {new}")
                    continue
                if self._index_hash(current) == want:
                    docs = int(self.es.count(index=current)["count"])
                    steps.append(MigrationStep(name, "up to date", current, current, docs))
                    say(f"{name}: {current} is up to date ({docs} documents)")
                    continue
                version = int(current.rsplit("-v", 1)[1]) + 1 if "-v" in current else 2
                new = self._create(name, version, with_alias=False)
                say(f"{name}: re-indexing {current} into {new} ...")
                resp = self.es.options(request_timeout=3600).reindex(
                    source={"index": current}, dest={"index": new}, wait_for_completion=True, refresh=True)
                failures = resp.body.get("failures") or []
                if failures:
                    self.es.indices.delete(index=new)
                    first = failures[0]
                    raise StoreError(f"re-indexing {current} into {new} failed for {len(failures)} documents "
                                     f"(first: {first.get('id')}: {json.dumps(first.get('cause', first))[:300]}); "
                                     f"{new} was deleted and the alias still points at {current}")
                old_n, new_n = int(self.es.count(index=current)["count"]), int(self.es.count(index=new)["count"])
                if old_n != new_n:
                    self.es.indices.delete(index=new)
                    raise StoreError(f"re-indexing {current} copied {new_n} of {old_n} documents (writes during "
                                     f"the copy?); {new} was deleted and the alias still points at {current}")
                self.es.indices.update_aliases(actions=[
                    {"remove": {"index": current, "alias": self.alias(name)}},
                    {"add": {"index": new, "alias": self.alias(name)}}])
                if not keep_old:
                    self.es.indices.delete(index=current)
                steps.append(MigrationStep(name, "migrated", current, new, new_n))
                say(f"{name}: {new_n} documents now in {new}" + (f"; {current} kept" if keep_old else
                                                                  f"; {current} deleted"))
        return steps

    def drop_indices(self) -> None:
        """Delete every index of this prefix (tests; `sgwatch` never calls it)."""
        with self._errors("delete the indexes"):
            found = self.es.indices.get(index=f"{self.prefix}-*", expand_wildcards="all")
            for concrete in sorted(found):
                if any(concrete.startswith(self.alias(n) + "-v") for n in INDEXES):
                    self.es.indices.delete(index=concrete)

    def close(self) -> None:
        """Release connections."""
        self.es.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _search(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        resp: dict[str, Any] = self.es.search(index=self.alias(name), body=body).body
        return resp

    def _count(self, name: str, query: dict[str, Any] | None = None) -> int:
        return int(self.es.count(index=self.alias(name), query=query or {"match_all": {}})["count"])

    def _mget(self, name: str, ids: Iterable[str], excludes: Sequence[str] = ()) -> dict[str, dict[str, Any]]:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return {}
        resp = self.es.mget(index=self.alias(name), ids=wanted, source_excludes=list(excludes) or None)
        return {d["_id"]: d["_source"] for d in resp["docs"] if d.get("found")}

    def _scan(self, name: str, query: dict[str, Any], sort: list[dict[str, Any]], source: Any = True,
              size: int = _BATCH, runtime: dict[str, Any] | None = None,
              highlight: dict[str, Any] | None = None) -> Iterator[list[dict[str, Any]]]:
        """Batches of hits through a point in time with search_after: a stable snapshot, no 10,000-hit cap."""
        pit = self.es.open_point_in_time(index=self.alias(name), keep_alive=_PIT_KEEP_ALIVE)["id"]
        try:
            after: list[Any] | None = None
            while True:
                body: dict[str, Any] = {"size": size, "query": query, "sort": sort, "_source": source,
                                        "track_total_hits": False,
                                        "pit": {"id": pit, "keep_alive": _PIT_KEEP_ALIVE}}
                if after is not None:
                    body["search_after"] = after
                if runtime:
                    body["runtime_mappings"] = runtime
                if highlight:
                    body["highlight"] = highlight
                resp = self.es.search(body=body).body
                pit = resp.get("pit_id", pit)
                hits = resp["hits"]["hits"]
                if not hits:
                    return
                yield hits
                after = hits[-1]["sort"]
        finally:
            try:
                self.es.close_point_in_time(id=pit)
            except Exception:  # the PIT expires on its own; closing it is a courtesy
                log.debug("could not close point in time", exc_info=True)

    def _bulk(self, actions: Iterable[dict[str, Any]], refresh: bool | None = None) -> tuple[int, list[str]]:
        """Index/delete documents with streaming_bulk; returns (ok count, one line per failed document)."""
        from elasticsearch import helpers

        ok, errors = 0, []
        for success, item in helpers.streaming_bulk(self.es, actions, chunk_size=_BATCH, raise_on_error=False,
                                                     raise_on_exception=True, max_retries=3,
                                                     refresh=self.refresh if refresh is None else refresh):
            if success:
                ok += 1
                continue
            op, info = next(iter(item.items()))
            if op == "delete" and info.get("status") == 404:
                ok += 1  # already gone
                continue
            err = info.get("error")
            reason = (f"{err.get('type')}: {err.get('reason')}" if isinstance(err, dict) else str(err))
            if "strict_dynamic_mapping" in reason:
                reason += " (run `sgwatch index migrate`)"
            errors.append(f"{op} {info.get('_index')}/{info.get('_id')}: HTTP {info.get('status')} {reason}")
        return ok, errors

    def _bulk_or_raise(self, actions: Iterable[dict[str, Any]], what: str) -> int:
        ok, errors = self._bulk(actions)
        if errors:
            more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
            raise StoreError(f"Elasticsearch refused {len(errors)} documents while trying to {what}: "
                             + "; ".join(errors[:3]) + more)
        return ok

    def _index_action(self, name: str, doc_id: str, doc: dict[str, Any]) -> dict[str, Any]:
        return {"_op_type": "index", "_index": self.alias(name), "_id": doc_id, "_source": doc}

    def _resolve(self, statement_id: str) -> str | None:
        if self._mget("statements", [statement_id]):
            return statement_id
        alias = self._mget("aliases", [statement_id]).get(statement_id)
        return str(alias["statement_id"]) if alias else None

    def _latest(self) -> dict[str, Any] | None:
        resp = self._search("analyses", {"size": 1, "sort": [{"analysed_ns": {"order": "desc"}}],
                                         "_source": ["agenda_version", "model"]})
        hits = resp["hits"]["hits"]
        return hits[0]["_source"] if hits else None

    def _latest_version(self) -> str | None:
        latest = self._latest()
        return str(latest["agenda_version"]) if latest else None

    def _statement_ids(self, query: dict[str, Any]) -> list[str]:
        """Distinct statement ids of the passages matching a query (all pages of a composite aggregation)."""
        out: list[str] = []
        after: dict[str, Any] | None = None
        while True:
            resp = self._search("passages", statement_ids_request(query, after))
            agg = resp["aggregations"]["sids"]
            out += [str(b["key"]["sid"]) for b in agg["buckets"]]
            after = agg.get("after_key")
            if not agg["buckets"] or after is None:
                break
        if len(out) > _TERMS_MAX:
            raise InvalidQuery(f"{len(out):,} statements match this priority: more than one filter can hold "
                               f"({_TERMS_MAX:,}); narrow the dates")
        return out

    def _ids_of_statements(self, query: dict[str, Any]) -> list[str]:
        """Ids of the statements matching a query (scan)."""
        ids: list[str] = []
        for hits in self._scan("statements", query, [{"id": {"order": "asc"}}], source=False, size=MAX_WINDOW):
            ids += [h["_id"] for h in hits]
        if len(ids) > _TERMS_MAX:
            raise InvalidQuery(f"{len(ids):,} statements match: more than one filter can hold ({_TERMS_MAX:,}); "
                               "narrow the dates")
        return ids

    # --- writing -------------------------------------------------------------------------------

    def upsert_statements(self, statements: Iterable[Statement]) -> UpsertResult:
        """Insert or update statements by id; a body already stored under another id is merged as a source.

        The same rules as the SQLite store (same helpers): unchanged / updated / merged by fingerprint, the
        merged copy's id becomes an alias. Not atomic across documents: each chunk is one bulk request.
        """
        result = UpsertResult()
        chunk: list[Statement] = []
        with self._errors("store statements"):
            for st in statements:
                chunk.append(st)
                if len(chunk) >= 200:
                    self._upsert_chunk(chunk, result)
                    chunk = []
            if chunk:
                self._upsert_chunk(chunk, result)
        return result

    def _upsert_chunk(self, chunk: list[Statement], result: UpsertResult) -> None:
        incoming = [_with_own_ref(st) for st in chunk]
        ids = [st.id for st in incoming]
        stored: dict[str, Statement] = {k: statement_from_source(v) for k, v in self._mget("statements", ids).items()}
        aliases: dict[str, str] = {k: str(v["statement_id"]) for k, v in self._mget("aliases", ids).items()}
        fps = sorted({st.fingerprint for st in incoming if st.fingerprint})
        by_fp: dict[str, str] = {}
        if fps:
            resp = self._search("statements", {"size": MAX_WINDOW, "_source": ["fingerprint"],
                                               "query": {"terms": {"fingerprint": fps}},
                                               "sort": [{"id": {"order": "asc"}}]})
            for h in resp["hits"]["hits"]:
                by_fp.setdefault(h["_source"]["fingerprint"], h["_id"])
        targets = [t for t in aliases.values() if t not in stored]
        stored.update({k: statement_from_source(v) for k, v in self._mget("statements", targets).items()})
        writes: dict[str, Statement] = {}
        new_aliases: dict[str, str] = {}
        meta_changed: set[str] = set()

        def put(st: Statement, before: Statement | None) -> None:
            writes[st.id] = st
            if before is not None and statement_meta(before) != statement_meta(st):
                meta_changed.add(st.id)
            stored[st.id] = st

        for st in incoming:
            old = stored.get(st.id)
            if old is not None:
                new = _fill_missing(st, old)
                new = new.model_copy(update={"sources": _merge_sources(old.sources, new.sources)})
                if _content_hash(statement_doc(new)) == _content_hash(statement_doc(old)):
                    result.unchanged += 1
                else:
                    put(new, old)
                    result.updated += 1
                continue
            target_id = aliases.get(st.id)
            if target_id is None and st.fingerprint:
                target_id = by_fp.get(st.fingerprint)
            if target_id is None or target_id not in stored:
                put(st, None)
                if st.fingerprint:
                    by_fp.setdefault(st.fingerprint, st.id)
                result.inserted += 1
                continue
            target = stored[target_id]
            merged = _fill_missing(target, st)
            merged = merged.model_copy(update={"sources": _merge_sources(target.sources, st.sources)})
            new_alias = st.id not in aliases
            if new_alias:
                aliases[st.id] = target_id
                new_aliases[st.id] = target_id
            changed = _content_hash(statement_doc(merged)) != _content_hash(statement_doc(target))
            if changed:
                put(merged, target)
            result.merged_into[st.id] = target_id
            if new_alias or changed:
                result.merged += 1
            else:
                result.unchanged += 1
        actions = [self._index_action("statements", sid, statement_doc(st)) for sid, st in writes.items()]
        actions += [self._index_action("aliases", a, {"alias_id": a, "statement_id": t})
                    for a, t in new_aliases.items()]
        if actions:
            self._bulk_or_raise(actions, "store statements")
        for sid in sorted(meta_changed):
            # Passages carry a copy of the statement's date, sources and type for filtering: keep it current.
            self.es.update_by_query(
                index=self.alias("passages"), query={"term": {"statement_id": sid}}, conflicts="proceed",
                refresh=self.refresh,
                script={"lang": "painless", "params": statement_meta(stored[sid]), "source": (
                    "ctx._source.date = params.date; ctx._source.source = params.source; "
                    "ctx._source.doc_type = params.doc_type; ctx._source.speaker_role = params.speaker_role; "
                    "ctx._source.language = params.language")})

    def pending_analysis(self, agenda_version: str, model: str) -> Iterator[Statement]:
        """Statements not yet analysed with this agenda version and model (or changed since), in id order."""
        with self._errors("list statements pending analysis"):
            for hits in self._scan("statements", {"match_all": {}}, [{"id": {"order": "asc"}}]):
                batch = [statement_from_source(h["_source"]) for h in hits]
                done = self._mget("analyses", [analysis_id(st.id, agenda_version, model) for st in batch])
                for st in batch:
                    rec = done.get(analysis_id(st.id, agenda_version, model))
                    if rec is None or rec.get("content_hash") != _analysis_hash(statement_doc(st)):
                        yield st

    def save_analysis(self, statement_id: str, passages: Sequence[Passage], vectors: np.ndarray | None,
                      matches: Sequence[Match], agenda_version: str, model: str) -> None:
        """Replace a statement's passages, vectors and matches (validated first; analysis record written last).

        Passages whose text/offsets changed (or that are gone) are replaced with nothing kept from them;
        unchanged passages keep the matches of other agenda versions and models. A passage holds one vector:
        this model's replaces another's.
        """
        with self._errors(f"save the analysis of statement {statement_id}"):
            sid = self._resolve(statement_id)
            if sid is None:
                raise StoreError(f"cannot save an analysis: statement {statement_id!r} is not stored")
            new_ids = [p.id for p in passages]
            if len(set(new_ids)) != len(new_ids):
                raise StoreError(f"statement {sid}: duplicate passage ids in the analysis")
            for p in passages:
                if p.statement_id not in (sid, statement_id):
                    raise StoreError(f"passage {p.id} belongs to {p.statement_id}, not to {sid}")
            arr: np.ndarray | None = None
            if vectors is not None:
                arr = np.asarray(vectors, dtype=np.float32)
                if arr.ndim != 2 or arr.shape[0] != len(passages) or arr.shape[1] == 0:
                    raise StoreError(f"statement {sid}: vectors of shape {arr.shape} do not fit "
                                     f"{len(passages)} passages (expected n x dim)")
                if not np.all(np.isfinite(arr)):
                    raise StoreError(f"statement {sid}: vectors contain NaN or infinity")
                if np.any(np.linalg.norm(arr, axis=1) == 0):
                    raise StoreError(f"statement {sid}: a zero vector has no direction (cosine similarity)")
            by_passage: dict[str, list[dict[str, Any]]] = defaultdict(list)
            known = set(new_ids)
            for m in matches:
                if m.passage_id not in known:
                    raise StoreError(f"statement {sid}: match for unknown passage {m.passage_id!r}")
                if m.agenda_version != agenda_version or m.model != model:
                    raise StoreError(f"statement {sid}: match tagged ({m.agenda_version}, {m.model}) saved "
                                     f"as ({agenda_version}, {model})")
                by_passage[m.passage_id].append(match_doc(m, sid))
            st_src = self._mget("statements", [sid])[sid]
            st = statement_from_source(st_src)
            meta = statement_meta(st)
            existing: dict[str, dict[str, Any]] = {}
            for hits in self._scan("passages", {"term": {"statement_id": sid}}, [{"id": {"order": "asc"}}]):
                existing.update({h["_id"]: h["_source"] for h in hits})
            actions: list[dict[str, Any]] = []
            for i, p in enumerate(passages):
                old = existing.get(p.id)
                fresh = p.model_copy(update={"statement_id": sid})
                same = old is not None and passage_from_source(old).model_dump() == fresh.model_dump()
                kept = [m for m in (old or {}).get("matches") or []
                        if same and (m.get("agenda_version"), m.get("model")) != (agenda_version, model)]
                vec: Sequence[float] | None = None
                vec_model: str | None = None
                if arr is not None:
                    vec, vec_model = arr[i].tolist(), model
                elif same and old is not None and old.get("vector") is not None and old.get("model") != model:
                    vec, vec_model = old["vector"], old["model"]
                doc = passage_doc(fresh, sid, meta, agenda_version, [*kept, *by_passage.get(p.id, [])], vec, vec_model)
                actions.append(self._index_action("passages", p.id, doc))
            actions += [{"_op_type": "delete", "_index": self.alias("passages"), "_id": pid}
                        for pid in sorted(set(existing) - set(new_ids))]
            self._bulk_or_raise(actions, f"save the passages of statement {sid}")
            rec = analysis_doc(sid, agenda_version, model, _analysis_hash(statement_doc(st)), len(passages),
                               len(matches))
            self._bulk_or_raise([self._index_action("analyses", analysis_id(sid, agenda_version, model), rec)],
                                f"record the analysis of statement {sid}")

    def record_crawl_event(self, source: str, url: str, outcome: str, reason: str | None = None,
                           month: str | None = None, extraction: dict[str, str] | None = None) -> None:
        """Log what happened to one fetched page: outcome 'stored' | 'skipped' | 'error' (latest per URL)."""
        if outcome not in ("stored", "skipped", "error"):
            raise StoreError(f"unknown crawl outcome {outcome!r} (expected stored, skipped or error)")
        with self._errors("record a crawl event"):
            self.es.index(index=self.alias("crawl_log"), id=crawl_id(source, url),
                          document=crawl_doc(source, url, outcome, reason, month, extraction), refresh=self.refresh)

    # --- reading -------------------------------------------------------------------------------

    def statement(self, statement_id: str) -> Statement | None:
        """One statement by id (also found by a merged duplicate's id)."""
        with self._errors("read a statement"):
            sid = self._resolve(statement_id)
            if sid is None:
                return None
            src = self._mget("statements", [sid]).get(sid)
            return statement_from_source(src) if src else None

    def iter_statements(self) -> Iterator[Statement]:
        """Every stored statement, in id order, streamed (point in time + search_after: no 10,000 cap)."""
        with self._errors("list statements"):
            for hits in self._scan("statements", {"match_all": {}}, [{"id": {"order": "asc"}}]):
                yield from (statement_from_source(h["_source"]) for h in hits)

    def passages(self, statement_id: str) -> list[Passage]:
        """A statement's passages in order."""
        with self._errors("read passages"):
            sid = self._resolve(statement_id) or statement_id
            out: list[Passage] = []
            for hits in self._scan("passages", {"term": {"statement_id": sid}}, [{"index": {"order": "asc"}}],
                                   source={"excludes": ["vector", "matches"]}):
                out += [passage_from_source(h["_source"]) for h in hits]
            return out

    def _priority_ids(self, f: StatementFilters, version: str | None) -> list[str] | None:
        if f.priority is None:
            return None
        return self._statement_ids(nested_matches(version or "", f.priority))

    def search_statements(self, q: str | None, filters: StatementFilters, limit: int = 20,
                          offset: int = 0, facets: bool = False) -> SearchPage:
        """Statements matching a keyword query (None: all, newest first; else by bm25); items are StatementHit.

        Snippets are HTML-escaped text with <mark> around the matched terms. Facets are not computed on
        Elasticsearch yet (page.facets stays None).
        """
        limit, offset = max(0, int(limit)), max(0, int(offset))
        _window(limit, offset)
        _supported(filters)
        with self._errors("search statements"):
            version = filters.agenda_version or self._latest_version()
            has_q = q is not None and bool(q.strip())
            query = keyword_query(q or "", STATEMENT_FIELDS) if has_q else None
            if has_q and query is None:
                return SearchPage(total=0, items=[])
            fl = filter_clauses(filters, "statement", version, self._priority_ids(filters, version))
            resp = self._search_keyword("statements", statement_search_request, query, fl, limit, offset, q or "",
                                        STATEMENT_FIELDS)
            ids = [h["_id"] for h in resp["hits"]["hits"]]
            prios = (parse_statement_priorities(self._search("passages", statement_priorities_request(ids, version)))
                     if ids and version is not None else {})
            return statement_page(resp, prios)

    def _search_keyword(self, name: str, build: Callable[..., dict[str, Any]], query: dict[str, Any] | None,
                        fl: list[dict[str, Any]], limit: int, offset: int, q: str,
                        fields: Sequence[str]) -> dict[str, Any]:
        """Run a keyword search; if the server still rejects the query, retry with its plain words, else nothing."""
        from elasticsearch import BadRequestError

        try:
            return self._search(name, build(query, fl, limit, offset))
        except BadRequestError:
            if query is None:
                raise
            plain = keyword_query(q, fields, plain=True)
            if plain is not None and plain != query:
                try:
                    return self._search(name, build(plain, fl, limit, offset))
                except BadRequestError:
                    pass
            log.warning("Elasticsearch rejected the keyword query %r; answering with no hits", q[:200])
            return {"hits": {"total": {"value": 0}, "hits": []}}

    def search_passages(self, q: str | None, filters: StatementFilters,
                        mode: Literal["keyword", "semantic", "hybrid"] = "keyword",
                        query_vector: np.ndarray | None = None, limit: int = 20,
                        offset: int = 0, facets: bool = False) -> SearchPage:
        """Passages by keyword (bm25), by vector (kNN, cosine), or both (RRF, k=60); items are PassageHit.

        Semantic search uses the vectors of the most recently analysed model; filters are applied during
        the kNN search. Hybrid without a query vector is keyword search; without a query, semantic.
        """
        if mode not in ("keyword", "semantic", "hybrid"):
            raise InvalidQuery(f"unknown search mode {mode!r} (keyword, semantic or hybrid)")
        limit, offset = max(0, int(limit)), max(0, int(offset))
        _window(limit, offset)
        _supported(filters)
        has_q = q is not None and bool(q.strip())
        if mode == "semantic" and query_vector is None:
            raise InvalidQuery("semantic search needs a query vector")
        if mode == "hybrid" and query_vector is None:
            mode = "keyword"
        if mode == "hybrid" and not has_q:
            mode = "semantic"
        qv: list[float] | None = None
        if query_vector is not None and mode != "keyword":
            arr = np.asarray(query_vector, dtype=np.float32).ravel()
            norm = float(np.linalg.norm(arr)) if arr.size else 0.0
            if arr.size == 0 or not np.isfinite(norm) or norm == 0.0:
                raise InvalidQuery("the query vector must be a non-zero, finite vector")
            qv = (arr / norm).tolist()
        with self._errors("search passages"):
            version = filters.agenda_version or self._latest_version()
            fl = filter_clauses(filters, "passage", version)
            snippets: dict[str, str | None] = {}
            ranked: list[tuple[str, float]]
            if mode == "keyword":
                total, kw = self._keyword_passages(q if has_q else None, fl, limit, offset)
                ranked = [(pid, score) for pid, score, _ in kw]
                snippets = {pid: snip for pid, _, snip in kw}
            elif mode == "semantic":
                assert qv is not None
                total, ranked = self._semantic_passages(qv, fl, offset + limit)
                ranked = ranked[offset:offset + limit]
            else:
                assert qv is not None
                _, kw = self._keyword_passages(q, fl, _FUSION_POOL, 0)
                _, sem = self._semantic_passages(qv, fl, _FUSION_POOL)
                snippets = {pid: snip for pid, _, snip in kw}
                fused = rrf_fuse([pid for pid, _, _ in kw], [pid for pid, _ in sem])
                total, ranked = len(fused), fused[offset:offset + limit]
            return SearchPage(total=total, items=self._hits(ranked, snippets, version))

    def _keyword_passages(self, q: str | None, fl: list[dict[str, Any]], limit: int,
                          offset: int) -> tuple[int, list[tuple[str, float, str | None]]]:
        query = keyword_query(q, PASSAGE_FIELDS) if q is not None else None
        if q is not None and query is None:
            return 0, []
        resp = self._search_keyword("passages", passage_search_request, query, fl, limit, offset, q or "",
                                    PASSAGE_FIELDS)
        out = [(h["_id"], float(h["_score"]) if query is not None and h.get("_score") is not None else 0.0,
                snippet_of(h, ("text",))) for h in resp["hits"]["hits"]]
        return int(resp["hits"]["total"]["value"]), out

    def _vector_dims(self) -> int | None:
        """Dimension of the passages index's vector field (None until the first vector when left dynamic)."""
        if self._dims is None:
            mapping = self.es.indices.get_mapping(index=self.alias("passages"))
            for body in mapping.values():
                dims = body["mappings"]["properties"].get("vector", {}).get("dims")
                if dims:
                    self._dims = int(dims)
        return self._dims

    def _semantic_passages(self, qv: list[float], fl: list[dict[str, Any]],
                           k: int) -> tuple[int, list[tuple[str, float]]]:
        latest = self._latest()
        dims = self._vector_dims()
        if latest is None or dims is None or dims != len(qv):
            return 0, []
        model = str(latest["model"])
        total = self._count("passages", {"bool": {"filter": [*fl, {"term": {"model": model}},
                                                             {"exists": {"field": "vector"}}]}})
        if k <= 0 or total == 0:
            return total, []
        resp = self._search("passages", knn_request(qv, min(k, MAX_WINDOW), fl, model))
        ranked = [(h["_id"], cosine_from_score(h["_score"])) for h in resp["hits"]["hits"]]
        ranked.sort(key=lambda e: (-e[1], e[0]))
        return total, ranked

    def iter_statement_hits(self, q: str | None, filters: StatementFilters) -> Iterator[StatementHit]:
        """Every statement search_statements would return, in the same order, streamed (point in time +
        search_after: no 10,000-hit cap)."""
        _supported(filters)
        with self._errors("export statements"):
            version = filters.agenda_version or self._latest_version()
            has_q = q is not None and bool(q.strip())
            query = keyword_query(q or "", STATEMENT_FIELDS) if has_q else None
            if has_q and query is None:
                return
            fl = filter_clauses(filters, "statement", version, self._priority_ids(filters, version))
            body = statement_search_request(query, fl, _BATCH, 0)
            for hits in self._scan("statements", body["query"], body["sort"], runtime=body["runtime_mappings"],
                                   highlight=body.get("highlight")):
                ids = [h["_id"] for h in hits]
                prios = (parse_statement_priorities(self._search("passages", statement_priorities_request(
                    ids, version))) if version is not None else {})
                yield from statement_page({"hits": {"total": {"value": len(hits)}, "hits": hits}}, prios).items

    def iter_passage_hits(self, q: str | None, filters: StatementFilters,
                          mode: Literal["keyword", "semantic", "hybrid"] = "keyword",
                          query_vector: np.ndarray | None = None) -> Iterator[PassageHit]:
        """Every passage search_passages would return, in the same order, streamed. Keyword: no cap (point in
        time); semantic: the 10,000 nearest (a kNN search's limit); hybrid: the fused candidate pools."""
        if mode == "semantic" and query_vector is None:
            raise InvalidQuery("semantic search needs a query vector")
        _supported(filters)
        with self._errors("export passages"):
            version = filters.agenda_version or self._latest_version()
            has_q = q is not None and bool(q.strip())
            if mode == "keyword" or query_vector is None:
                query = keyword_query(q or "", PASSAGE_FIELDS) if has_q else None
                if has_q and query is None:
                    return
                body = passage_search_request(query, filter_clauses(filters, "passage", version), _BATCH, 0)
                for hits in self._scan("passages", body["query"], body["sort"], source=False):
                    ranked = [(h["_id"], float(h["_score"]) if query is not None and h.get("_score") is not None
                               else 0.0) for h in hits]
                    yield from self._hits(ranked, {}, version)
                return
        page = self.search_passages(q, filters, mode=mode, query_vector=query_vector,
                                    limit=MAX_WINDOW if mode == "semantic" else 2 * _FUSION_POOL, offset=0)
        for hit in page.items:
            hit.snippet = None
            yield hit

    def _hits(self, ranked: list[tuple[str, float]], snippets: dict[str, str | None],
              version: str | None) -> list[PassageHit]:
        docs = self._mget("passages", [pid for pid, _ in ranked], excludes=["vector"])
        sts = self._mget("statements", {d["statement_id"] for d in docs.values()},
                         excludes=["text", "turns", "translations"])
        return passage_hits(ranked, docs, sts, snippets, version)

    def top_matches(self, priority: str, filters: StatementFilters, limit: int = 20,
                    offset: int = 0) -> SearchPage:
        """Passages matched to a priority, strongest match first (quotes); items are PassageHit whose score is
        the match score and whose first match is the priority's."""
        limit, offset = max(0, int(limit)), max(0, int(offset))
        _window(limit, offset)
        _supported(filters)
        with self._errors("read the strongest quotes"):
            version = filters.agenda_version or self._latest_version()
            if version is None:
                return SearchPage(total=0, items=[])
            f = StatementFilters(**{**filters.__dict__, "priority": priority})
            fl = filter_clauses(f, "passage", version)
            body = matches_request(version, priority, None, None, None, limit)
            body["query"] = {"bool": {"filter": fl}}
            body["from"] = offset
            body["track_total_hits"] = True
            resp = self._search("passages", body)
            ranked = []
            for h in resp["hits"]["hits"]:
                best = matches_from_passages([h["_source"]], version, priority)
                ranked.append((h["_id"], best[0].score if best else 0.0))
            hits = self._hits(ranked, {}, version)
            for hit in hits:
                hit.matches.sort(key=lambda m: (m.priority != priority, -m.score))
            return SearchPage(total=int(resp["hits"]["total"]["value"]), items=hits)

    def matches(self, statement_id: str | None = None, priority: str | None = None,
                agenda_version: str | None = None, date_from: date | None = None,
                date_to: date | None = None, limit: int | None = None) -> list[Match]:
        """Matches, strongest first, filtered (agenda version None: the latest analysed one)."""
        with self._errors("read matches"):
            version = agenda_version or self._latest_version()
            if version is None:
                return []
            sid = (self._resolve(statement_id) or statement_id) if statement_id is not None else None
            limit = None if limit is None else max(0, int(limit))
            if limit is not None and limit <= MAX_WINDOW:
                if limit == 0:
                    return []
                # The top `limit` matches lie in the `limit` passages with the strongest best match.
                body = matches_request(version, priority, sid, date_from, date_to, limit)
                sources = [h["_source"] for h in self._search("passages", body)["hits"]["hits"]]
            else:
                body = matches_request(version, priority, sid, date_from, date_to, _BATCH)
                sources = [h["_source"] for hits in self._scan("passages", body["query"], body["sort"],
                                                               source=body["_source"]) for h in hits]
            found = matches_from_passages(sources, version, priority)
            return found[:limit] if limit is not None else found

    def monthly_aggregates(self, agenda_version: str, date_from: date | None = None,
                           date_to: date | None = None, priorities: Sequence[str] | None = None,
                           top_k: int = 5, source: str | None = None, doc_type: str | None = None,
                           speaker_role: str | None = None,
                           mentions: str | None = None) -> list[MonthPriorityAggregate]:
        """Counts per month x priority for months that have statements (date_histogram; zero cells included).

        Month = delivery date, else release date, else URL date; undated statements are left out.
        ``mentions``: only statements whose location or title contains the phrase (case-insensitive).
        """
        f = StatementFilters(date_from=date_from, date_to=date_to, source=source, doc_type=doc_type,
                             speaker_role=speaker_role)
        with self._errors("aggregate months"):
            st_filters = filter_clauses(f, "statement", None)
            pa_filters = filter_clauses(f, "passage", None)
            if mentions:
                cond = mentions_query(mentions)
                st_filters.append(cond)
                pa_filters.append({"terms": {"statement_id": self._ids_of_statements(cond)}})
            months = self._search("statements", monthly_statements_request(st_filters))
            cells = self._search("passages", monthly_matches_request(agenda_version, pa_filters, priorities, top_k))
            return parse_monthly(months, cells, priorities, top_k)

    def passage_vectors(self, model: str) -> Iterator[tuple[list[str], np.ndarray]]:
        """Stored passage vectors of a model in batches (ids, float32 matrix n x dim), in passage-id order."""
        with self._errors("read passage vectors"):
            query = {"bool": {"filter": [{"term": {"model": model}}, {"exists": {"field": "vector"}}]}}
            for hits in self._scan("passages", query, [{"id": {"order": "asc"}}], source=["id", "vector"]):
                rows = [h for h in hits if h["_source"].get("vector")]
                if rows:
                    yield ([h["_id"] for h in rows],
                           np.asarray([h["_source"]["vector"] for h in rows], dtype=np.float32))

    def _rescorable_heads(self, agenda_version: str, model: str) -> Iterator[list[Statement]]:
        """Batches of statements analysed with `model` for their current text but not with this agenda version."""
        for hits in self._scan("statements", {"match_all": {}}, [{"id": {"order": "asc"}}]):
            batch = [statement_from_source(h["_source"]) for h in hits]
            current = {st.id: _analysis_hash(statement_doc(st)) for st in batch}
            recs: list[dict[str, Any]] = []
            for found in self._scan("analyses", {"bool": {"filter": [{"terms": {"statement_id": list(current)}},
                                                                     {"term": {"model": model}}]}},
                                    [{"statement_id": {"order": "asc"}}, {"agenda_version": {"order": "asc"}}],
                                    source=["statement_id", "agenda_version", "content_hash"]):
                recs += [h["_source"] for h in found]
            by_model = {r["statement_id"] for r in recs if r["content_hash"] == current[r["statement_id"]]}
            by_version = {r["statement_id"] for r in recs if r["content_hash"] == current[r["statement_id"]]
                          and r["agenda_version"] == agenda_version}
            heads = [st for st in batch if st.id in by_model and st.id not in by_version]
            if heads:
                yield heads

    def count_rescorable(self, agenda_version: str, model: str) -> tuple[int, int]:
        """(statements, passages) that rescorable() would yield."""
        with self._errors("count statements to re-score"):
            statements = passages = 0
            for heads in self._rescorable_heads(agenda_version, model):
                statements += len(heads)
                passages += self._count("passages", {"terms": {"statement_id": [st.id for st in heads]}})
            return statements, passages

    def rescorable(self, agenda_version: str, model: str,
                   batch_passages: int = 20000) -> Iterator[list[StoredAnalysis]]:
        """Statements whose passages and vectors (for model) are current but that lack an analysis with
        this agenda version, in batches of about batch_passages passages (whole statements).

        A statement with a passage that holds no vector of this model is left out (it needs a full analysis).
        """
        batch: list[StoredAnalysis] = []
        size = 0
        with self._errors("read stored passages to re-score"):
            for heads in self._rescorable_heads(agenda_version, model):
                parts: dict[str, list[dict[str, Any]]] = defaultdict(list)
                for hits in self._scan("passages", {"terms": {"statement_id": [st.id for st in heads]}},
                                       [{"statement_id": {"order": "asc"}}, {"index": {"order": "asc"}}],
                                       source=["id", "statement_id", "text", "vector", "model"]):
                    for h in hits:
                        parts[h["_source"]["statement_id"]].append(h["_source"])
                for st in heads:
                    ps = parts.get(st.id, [])
                    if any(p.get("model") != model or not p.get("vector") for p in ps):
                        continue  # a passage without this model's vector: needs `sgwatch analyze`
                    vecs = (np.asarray([p["vector"] for p in ps], dtype=np.float32) if ps
                            else np.zeros((0, 0), dtype=np.float32))
                    batch.append(StoredAnalysis(statement_id=st.id, title=st.title or "",
                                                passage_ids=[p["id"] for p in ps], texts=[p["text"] for p in ps],
                                                vectors=vecs))
                    size += len(ps)
                    if size >= batch_passages:
                        yield batch
                        batch, size = [], 0
            if batch:
                yield batch

    def save_matches(self, results: Sequence[tuple[str, int, Sequence[Match]]], agenda_version: str,
                     model: str) -> int:
        """Save re-scored matches for many statements, passages and vectors untouched.

        Each result is (statement id, passage count, matches). A statement whose text changed since its
        passages were stored is skipped (it needs a full analysis). Returns the statements saved. Every
        match is validated before anything is written; each statement's analysis record is written after
        its matches.
        """
        for sid, _, matches in results:
            for m in matches:
                if m.statement_id != sid or m.agenda_version != agenda_version or m.model != model:
                    raise StoreError(f"statement {sid}: match for ({m.statement_id}, {m.agenda_version}, "
                                     f"{m.model}) saved as ({sid}, {agenda_version}, {model})")
        saved = 0
        with self._errors(f"save re-scored matches for {len(results)} statements"):
            ids = [sid for sid, _, _ in results]
            stored = {k: statement_from_source(v) for k, v in self._mget("statements", ids).items()}
            current = {sid: _analysis_hash(statement_doc(st)) for sid, st in stored.items()}
            ok_ids: set[str] = set()
            for hits in self._scan("analyses", {"bool": {"filter": [{"terms": {"statement_id": list(current)}},
                                                                    {"term": {"model": model}}]}},
                                   [{"statement_id": {"order": "asc"}}, {"agenda_version": {"order": "asc"}}],
                                   source=["statement_id", "content_hash"]):
                ok_ids.update(h["_source"]["statement_id"] for h in hits
                              if h["_source"]["content_hash"] == current.get(h["_source"]["statement_id"]))
            for sid, n_passages, matches in results:
                if sid not in ok_ids:
                    continue
                existing: dict[str, dict[str, Any]] = {}
                for hits in self._scan("passages", {"term": {"statement_id": sid}}, [{"id": {"order": "asc"}}],
                                       source=["id", "matches"]):
                    existing.update({h["_id"]: h["_source"] for h in hits})
                new: dict[str, list[dict[str, Any]]] = defaultdict(list)
                for m in matches:
                    if m.passage_id not in existing:
                        raise StoreError(f"statement {sid}: match for unknown passage {m.passage_id!r}")
                    new[m.passage_id].append(match_doc(m, sid))
                actions = []
                for pid, src in existing.items():
                    kept = [m for m in src.get("matches") or []
                            if (m.get("agenda_version"), m.get("model")) != (agenda_version, model)]
                    actions.append({"_op_type": "update", "_index": self.alias("passages"), "_id": pid,
                                    "doc": {"matches": [*kept, *new.get(pid, [])], "agenda_version": agenda_version}})
                self._bulk_or_raise(actions, f"save the re-scored matches of statement {sid}")
                rec = analysis_doc(sid, agenda_version, model, current[sid], n_passages, len(matches))
                self._bulk_or_raise([self._index_action("analyses", analysis_id(sid, agenda_version, model), rec)],
                                    f"record the analysis of statement {sid}")
                saved += 1
        return saved

    def stats(self) -> dict[str, Any]:
        """Counts of what is stored, with the same keys as the SQLite store's stats()."""
        with self._errors("compute stats"):
            st = self._search("statements", {
                "size": 0, "track_total_hits": True, "runtime_mappings": EFFECTIVE_DATE_RUNTIME,
                "aggs": {"by_source": {"terms": {"field": "sources.source", "size": 100}},
                         "months": {"date_histogram": {"field": "effective_date", "calendar_interval": "month",
                                                       "format": "yyyy-MM", "min_doc_count": 1}}}})
            pa = self._search("passages", {"size": 0, "track_total_hits": True,
                                           "aggs": {"m": {"nested": {"path": "matches"}}}})
            an = self._search("analyses", {"size": 0, "aggs": {"statements": {"cardinality": {
                "field": "statement_id", "precision_threshold": 40_000}}}})
            cr = self._search("crawl_log", crawl_stats_request())
            return stats_from_responses(st, pa, an, cr, self._count("aliases"))


def mentions_query(phrase: str) -> dict[str, Any]:
    """Statements whose location or title contains the phrase, case-insensitive, literally (no wildcards)."""
    literal = "".join("\\" + c if c in "*?\\" else c for c in phrase)
    pattern = f"*{literal}*"
    return {"bool": {"should": [
        {"wildcard": {"location": {"value": pattern, "case_insensitive": True}}},
        {"wildcard": {"title.raw": {"value": pattern, "case_insensitive": True}}},
    ], "minimum_should_match": 1}}


def crawl_stats_request() -> dict[str, Any]:
    """Crawl outcomes overall and per source x month, and extraction paths of stored pages per source."""
    outcome = {"terms": {"field": "outcome", "size": 10},
               "aggs": {"reason": {"terms": {"field": "reason", "size": 1000, "missing": "unknown"}}}}
    return {"size": 0, "aggs": {
        "outcome": outcome,
        "by_source": {"terms": {"field": "source", "size": 100}, "aggs": {
            "months": {"terms": {"field": "month", "size": 10_000, "missing": "undated"}, "aggs": {"outcome": outcome}},
            "stored": {"filter": {"term": {"outcome": "stored"}},
                       "aggs": {"paths": {"terms": {"field": "extraction_paths", "size": 10_000}}}}}},
    }}


def stats_from_responses(st: dict[str, Any], pa: dict[str, Any], an: dict[str, Any], cr: dict[str, Any],
                         merged: int) -> dict[str, Any]:
    """The stats() dict from the statements, passages, analyses and crawl_log aggregation responses."""
    crawl: dict[str, Any] = {"stored": 0, "skipped": {}, "error": 0}
    craggs = cr.get("aggregations", {})
    for b in craggs.get("outcome", {}).get("buckets", []):
        if b["key"] == "skipped":
            for r in b["reason"]["buckets"]:
                crawl["skipped"][r["key"]] = crawl["skipped"].get(r["key"], 0) + int(r["doc_count"])
        else:
            crawl[b["key"]] = crawl.get(b["key"], 0) + int(b["doc_count"])
    by_month: dict[str, dict[str, dict[str, Any]]] = {}
    extraction: dict[str, dict[str, dict[str, float]]] = {}
    for sb in sorted(craggs.get("by_source", {}).get("buckets", []), key=lambda b: b["key"]):
        for mb in sb["months"]["buckets"]:
            cell: dict[str, Any] = {"fetched": int(mb["doc_count"]), "stored": 0, "skipped": {}}
            for ob in mb["outcome"]["buckets"]:
                if ob["key"] == "stored":
                    cell["stored"] = int(ob["doc_count"])
                elif ob["key"] == "skipped":
                    cell["skipped"] = {r["key"]: int(r["doc_count"]) for r in ob["reason"]["buckets"]}
            by_month.setdefault(sb["key"], {})[mb["key"]] = cell
        counts: dict[str, dict[str, int]] = {}
        for pb in sb["stored"]["paths"]["buckets"]:
            name, _, path = str(pb["key"]).partition("=")
            counts.setdefault(name, {})[path] = int(pb["doc_count"])
        if counts:
            extraction[sb["key"]] = {f: {p: round(n / sum(c.values()), 3) for p, n in sorted(c.items())}
                                     for f, c in sorted(counts.items())}
    crawl["by_month"] = by_month
    crawl["extraction"] = extraction
    aggs = st.get("aggregations", {})
    months = {b["key_as_string"]: int(b["doc_count"]) for b in aggs.get("months", {}).get("buckets", [])
              if b.get("doc_count")}
    crawl["empty_months"] = _empty_months(months)
    return {
        "statements": int(st["hits"]["total"]["value"]),
        "passages": int(pa["hits"]["total"]["value"]),
        "matches": int(pa.get("aggregations", {}).get("m", {}).get("doc_count", 0)),
        "analysed": int(an.get("aggregations", {}).get("statements", {}).get("value", 0)),
        "merged": merged,
        "by_source": {b["key"]: int(b["doc_count"]) for b in sorted(aggs.get("by_source", {}).get("buckets", []),
                                                                    key=lambda b: b["key"])},
        "crawl": crawl,
        "months": months,
    }


# --------------------------------------------------------------------------------------------------
# sgwatch index sync: the embedded store -> Elasticsearch
# --------------------------------------------------------------------------------------------------


def alias_ids(st: Statement) -> list[str]:
    """Ids of the duplicates merged into a statement: every other source's URL, hashed as the pipeline does."""
    return sorted({statement_id_for(ref.url) for ref in st.sources if ref.url != st.url} - {st.id})


def sync_actions(src: Store, dst: ElasticStore, agenda_version: str, model: str, summary: SyncSummary,
                 on_statement: Callable[[int], None] | None = None, batch: int = 200) -> Iterator[dict[str, Any]]:
    """Bulk actions copying statements, aliases, passages (vectors of `model`, matches of the version) and
    analysis records from src into dst; stale passages of the copied statements are deleted."""
    pending = {st.id for st in src.pending_analysis(agenda_version, model)}
    vectors = _VectorCursor(src.passage_vectors(model))
    chunk: list[Statement] = []

    def flush(sts: list[Statement]) -> Iterator[dict[str, Any]]:
        ids = [st.id for st in sts]
        in_es: set[str] = set()
        for hits in dst._scan("passages", {"terms": {"statement_id": ids}}, [{"id": {"order": "asc"}}], source=False,
                              size=MAX_WINDOW):
            in_es.update(h["_id"] for h in hits)
        keep: set[str] = set()
        for st in sts:
            yield dst._index_action("statements", st.id, statement_doc(st))
            summary.statements += 1
            for a in alias_ids(st):
                yield dst._index_action("aliases", a, {"alias_id": a, "statement_id": st.id})
                summary.aliases += 1
            passages = src.passages(st.id)
            vecs = vectors.take([p.id for p in passages])
            by_passage: dict[str, list[dict[str, Any]]] = defaultdict(list)
            ms = [m for m in src.matches(statement_id=st.id, agenda_version=agenda_version) if m.model == model]
            for m in ms:
                by_passage[m.passage_id].append(match_doc(m, st.id))
            meta = statement_meta(st)
            for p in passages:
                vec = vecs.get(p.id)
                doc = passage_doc(p, st.id, meta, agenda_version, by_passage.get(p.id, []),
                                  vec.tolist() if vec is not None else None, model if vec is not None else None)
                keep.add(p.id)
                summary.passages += 1
                summary.vectors += vec is not None
                yield dst._index_action("passages", p.id, doc)
            summary.matches += len(ms)
            if st.id not in pending and passages:
                summary.analyses += 1
                rec = analysis_doc(st.id, agenda_version, model, _analysis_hash(statement_doc(st)), len(passages),
                                   len(ms))
                yield dst._index_action("analyses", analysis_id(st.id, agenda_version, model), rec)
        for pid in sorted(in_es - keep):
            summary.deleted_passages += 1
            yield {"_op_type": "delete", "_index": dst.alias("passages"), "_id": pid}
        if on_statement:
            on_statement(len(sts))

    for st in src.iter_statements():
        chunk.append(st)
        if len(chunk) >= batch:
            yield from flush(chunk)
            chunk = []
    if chunk:
        yield from flush(chunk)


def sync_from(src: Store, dst: ElasticStore, agenda_version: str, model: str,
              on_statement: Callable[[int], None] | None = None) -> SyncSummary:
    """Copy the embedded store into Elasticsearch (idempotent: stable ids), refreshing once at the end."""
    summary = SyncSummary()
    with dst._errors("copy the embedded store"):
        _, errors = dst._bulk(sync_actions(src, dst, agenda_version, model, summary, on_statement), refresh=False)
        dst.es.indices.refresh(index=",".join(dst.alias(n) for n in INDEXES))
    summary.failed = len(errors)
    summary.errors = errors[:20]
    return summary


__all__ = ["ElasticStore", "MigrationStep", "SyncSummary", "index_body", "keyword_query", "load_mapping",
           "parse_user_query", "sync_from", "translate_error"]
