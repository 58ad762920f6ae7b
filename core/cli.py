"""The `sgwatch` command: crawl, analyze, serve, report, eval, export, status, demo."""

from __future__ import annotations

import calendar
import json
import logging
import os
import subprocess
import sys
import time
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from core.config import Settings
from core.errors import SgwatchError

app = typer.Typer(help="Watch what the UN Secretary-General says and score it against an advocacy agenda.",
                  no_args_is_help=True, add_completion=False,
                  pretty_exceptions_show_locals=False)
console = Console(stderr=True)
out = Console()


class ExportWhat(str, Enum):
    """What `sgwatch export` can write."""

    statements = "statements"
    passages = "passages"


class ExportFormat(str, Enum):
    """Formats of `sgwatch export`."""

    jsonl = "jsonl"
    csv = "csv"


class ReportFormat(str, Enum):
    """Formats of `sgwatch report`."""

    table = "table"
    markdown = "markdown"
    csv = "csv"


def _settings(**overrides: Any) -> Settings:
    """Settings from the environment, with command-line options on top."""
    clean = {k: v for k, v in overrides.items() if v is not None}
    settings = Settings(**clean)
    settings.ensure_dirs()
    return settings


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")


def _parse_month(value: str | None, end: bool = False) -> date | None:
    if value is None:
        return None
    try:
        if len(value) == 7:
            y, m = (int(x) for x in value.split("-"))
            return date(y, m, calendar.monthrange(y, m)[1] if end else 1)
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"'{value}' is not a month (YYYY-MM) or a date (YYYY-MM-DD)") from exc


DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Where sgwatch keeps its data "
                                              "(default: $SGWATCH_DATA_DIR or ./data).")]
Verbose = Annotated[bool, typer.Option("--verbose", "-v", help="Log debug detail.")]


@app.command()
def crawl(
    spider: Annotated[list[str] | None, typer.Option("--spider", "-s",
                                                      help="Spider to run: un_sg, un_press (repeatable; "
                                                           "default both).")] = None,
    since: Annotated[str | None, typer.Option(help="Backfill listings back to this date (YYYY-MM-DD).")] = None,
    max_pages: Annotated[int | None, typer.Option(help="Stop after this many responses (0 = no limit).")] = None,
    data_dir: DataDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the crawl summary as JSON.")] = False,
    verbose: Verbose = False,
) -> None:
    """Crawl the UN sites (or the mirror the base-URL settings point to) into the store."""
    from crawler.runner import run_crawl

    settings = _settings(data_dir=data_dir, crawl_max_pages=max_pages)
    since_date = _parse_month(since) if since else None
    try:
        summary = run_crawl(settings, spiders=spider or ["un_sg", "un_press"], since=since_date, progress=True,
                            log_level="DEBUG" if verbose else None)
    except SgwatchError as exc:
        console.print(f"[red]Crawl failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    if as_json:
        out.print_json(json.dumps(summary, default=str))
        return
    for name, s in summary["spiders"].items():
        skipped = s["skipped"]
        reasons = ", ".join(f"{n} {r}" for r, n in skipped.items())
        console.print(f"{name}: {s['fetched']} pages fetched; {s['stored']} statements stored ({s['inserted']} new, "
                      f"{s['updated']} updated, {s['merged']} merged as a second source, {s['unchanged']} "
                      f"unchanged); {sum(skipped.values())} pages skipped" + (f" ({reasons})" if reasons else "")
                      + (f"; {s['robots_forbidden']} links refused by robots.txt" if s["robots_forbidden"] else "")
                      + f"; finished: {s['finish_reason']}")


@app.command()
def analyze(
    limit: Annotated[int | None, typer.Option(help="Analyse at most this many statements.")] = None,
    data_dir: DataDir = None,
    verbose: Verbose = False,
) -> None:
    """Split pending statements into passages, embed them and match them against the agenda."""
    _setup_logging(verbose)
    from core.pipeline import Analyzer, analyze_pending
    from core.store import open_store

    settings = _settings(data_dir=data_dir)
    store = open_store(settings)
    try:
        analyzer = Analyzer(settings)
        console.print("Loading the agenda and the models ...")
        analyzer.parts()
        if limit is None:
            # After an agenda edit the stored vectors are still good: re-score them first (no embedding).
            _rescore_with_progress(store, analyzer)
        total = sum(1 for _ in store.pending_analysis(analyzer.agenda_version, analyzer.model))
        if limit is not None:
            total = min(total, limit)
        if total == 0:
            console.print(f"Nothing to analyse: every statement is analysed with agenda "
                          f"{analyzer.agenda_version} and model {analyzer.model}.")
        start = time.monotonic()
        with Progress(TextColumn("[bold]Analysing"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("statements · {task.fields[passages]} passages · {task.fields[rate]}"),
                      TimeElapsedColumn(), console=console, disable=total == 0) as progress:
            task = progress.add_task("analyse", total=total, passages=0, rate="")

            def step(done: int, passages: int) -> None:
                elapsed = max(time.monotonic() - start, 1e-6)
                progress.update(task, completed=done, passages=passages,
                                rate=f"{done / elapsed:.1f} statements/s, {passages / elapsed:.0f} passages/s")

            summary = analyze_pending(store, analyzer, on_progress=step, limit=limit)
        stats = store.stats()
    finally:
        store.close()
    console.print(f"Analysed {summary.statements} statements into {summary.passages} passages with "
                  f"{summary.matches} matches; the store now holds {stats.get('statements')} statements, "
                  f"{stats.get('passages')} passages, {stats.get('matches')} matches.")


def _rescore_with_progress(store: Any, analyzer: Any) -> Any:
    """Re-score stored passage vectors for the current agenda version, with a progress bar; None if none."""
    from core.pipeline import rescore_stored

    n_st, n_pa = store.count_rescorable(analyzer.agenda_version, analyzer.model)
    if n_st == 0:
        return None
    console.print(f"Re-scoring {n_st} analysed statements ({n_pa} passages) against agenda "
                  f"{analyzer.agenda_version} from their stored vectors (no re-embedding) ...")
    start = time.monotonic()
    with Progress(TextColumn("[bold]Re-scoring"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("passages · {task.fields[rate]}"), TimeElapsedColumn(), console=console) as progress:
        task = progress.add_task("rescore", total=n_pa, rate="")

        def step(done: int, passages: int) -> None:
            elapsed = max(time.monotonic() - start, 1e-6)
            progress.update(task, completed=passages, rate=f"{passages / elapsed:,.0f} passages/s")

        summary = rescore_stored(store, analyzer, on_progress=step)
    console.print(f"Re-scored {summary.statements} statements ({summary.passages} passages) in "
                  f"{summary.seconds:.1f} s: {summary.matches} matches with agenda {summary.agenda_version}.")
    return summary


@app.command()
def rescore(
    data_dir: DataDir = None,
    verbose: Verbose = False,
) -> None:
    """Re-score stored passages against the current agenda from their stored vectors (no re-embedding)."""
    _setup_logging(verbose)
    from core.pipeline import Analyzer
    from core.store import open_store

    settings = _settings(data_dir=data_dir)
    store = open_store(settings)
    try:
        analyzer = Analyzer(settings)
        analyzer.parts()
        summary = _rescore_with_progress(store, analyzer)
        if summary is None:
            console.print(f"Nothing to re-score: every analysed statement already has matches for agenda "
                          f"{analyzer.agenda_version} and model {analyzer.model}.")
        pending = sum(1 for _ in store.pending_analysis(analyzer.agenda_version, analyzer.model))
        if pending:
            console.print(f"{pending} statements have no stored passages for this text and model yet; "
                          "run `sgwatch analyze` for them.")
    finally:
        store.close()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default $SGWATCH_API_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default $SGWATCH_API_PORT).")] = None,
    data_dir: DataDir = None,
) -> None:
    """Serve the API and the report page."""
    import uvicorn

    from api.main import create_app

    settings = _settings(data_dir=data_dir, api_host=host, api_port=port)
    console.print(f"API on http://{settings.api_host}:{settings.api_port}/docs · "
                  f"report on http://{settings.api_host}:{settings.api_port}/report")
    uvicorn.run(create_app(settings), host=settings.api_host, port=settings.api_port, log_level="info")


def _monthly(settings: Settings, filters: Any) -> tuple[Any, str, list[Any]]:
    """(agenda, model id, monthly scores) for the filters, with evidence."""
    from core.scores import monthly_scores
    from core.store import open_store
    from nlp.agenda import load_agenda
    from nlp.embed import Embedder

    agenda = load_agenda(settings.agenda_path)
    model = Embedder(settings.model_name).model_id  # cheap: the model itself is never loaded here
    store = open_store(settings)
    try:
        return agenda, model, monthly_scores(store, agenda, None, model, filters=filters, evidence_k=3)
    finally:
        store.close()


def _signed(value: float | None) -> str:
    return "–" if value is None else f"{value:+.1f}"


def _streak(s: Any) -> str:
    if s.silence_streak == 0:
        return "0 (explicit this month)"
    if s.last_explicit:
        return f"{s.silence_streak} (last explicit {s.last_explicit})"
    return f"{s.silence_streak}+ (never explicit)"


def _month_rows(scores: list[Any], titles: dict[str, str] | None) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the one-month table: one row per priority."""
    head = ["priority", "score", "95% band", "addressing", "vs previous", "vs 12-month baseline",
            "silence streak (months)"]
    rows = [[f"{s.priority} {(titles or {}).get(s.priority, '')}".strip(), f"{s.score:.1f}",
             f"{s.score_low:.1f}-{s.score_high:.1f}", f"{s.addressing} of {s.statements}",
             _signed(s.delta_previous) + (f" (vs {s.previous_month})" if s.previous_month else ""),
             _signed(s.delta_baseline), _streak(s)] for s in scores]
    return head, rows


def _range_rows(scores: list[Any], pids: list[str]) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the months x priorities table."""
    by = {(s.month, s.priority): s for s in scores}
    months = sorted({s.month for s in scores})
    rows = [[m, str(by[(m, pids[0])].statements if pids else 0),
             *[f"{by[(m, p)].score:.1f}" if (m, p) in by else "" for p in pids]] for m in months]
    return ["month", "statements", *pids], rows


def _markdown(head: list[str], rows: list[list[str]]) -> str:
    esc = lambda x: x.replace("|", "\\|")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(esc(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _evidence_markdown(scores: list[Any]) -> str:
    parts = []
    for s in scores:
        if not s.evidence:
            continue
        parts.append(f"\n### {s.priority}: {s.score:.1f}\n")
        for e in s.evidence:
            when = e.date.isoformat() if e.date else "undated"
            parts.append(f"- > {e.text}\n\n  {when} · [{e.statement_title}]({e.url}) · match {e.score:.2f} · "
                         f"{e.why or e.level}\n")
    return ("\n## Evidence\n" + "".join(parts)) if parts else ""


@app.command()
def report(
    month: Annotated[str | None, typer.Option(help="One month, YYYY-MM: one row per priority, with evidence.")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First month (YYYY-MM).")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last month (YYYY-MM).")] = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", help="table, markdown or csv.")] = ReportFormat.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the markdown or csv to this "
                                                "file instead of the terminal.")] = None,
    png: Annotated[Path | None, typer.Option("--png", help="Also write the heatmap as a PNG image here.")] = None,
    source: Annotated[str | None, typer.Option(help="Only statements found on this site "
                                               "(un.org/sg or press.un.org).")] = None,
    term: Annotated[str | None, typer.Option(help="Only this SG term: ban, guterres, next.")] = None,
    venue: Annotated[str | None, typer.Option(help="Only this venue: security_council, human_rights_council, "
                                              "general_assembly, press_encounter, message.")] = None,
    speaker: Annotated[str | None, typer.Option(help="Only this speaker: sg, dsg, spokesperson.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Print monthly compliance scores: one month per priority, or months x priorities; write Markdown, CSV, PNG."""
    from core.scores import ScoreFilters

    if month and (date_from or date_to):
        raise typer.BadParameter("give either --month or --from/--to, not both", param_hint="--month")
    if output is not None and fmt is ReportFormat.table:
        raise typer.BadParameter("--output writes markdown or csv: add --format markdown or --format csv",
                                 param_hint="--output")
    settings = _settings(data_dir=data_dir)
    try:
        filters = ScoreFilters(date_from=_parse_month(month or date_from),
                               date_to=_parse_month(month or date_to, end=True),
                               source=source, term=term, venue=venue, speaker=speaker)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    agenda, model, scores = _monthly(settings, filters)
    pids = [p.id for p in agenda.priorities]
    titles = {p.id: p.title for p in agenda.priorities}
    stamp = (f"agenda {agenda.version} · model {model} · formula {scores[0].formula_version} · "
             f"code {scores[0].code_version}") if scores else f"agenda {agenda.version} · model {model}"
    if not scores:
        console.print(f"No statements {'in ' + month if month else 'in this period'} with these filters.")
    if png is not None:
        from api.routes.report import heatmap_png

        shown = ", ".join(f"{k} {v}" for k, v in filters.query().items()) or "all months"
        png.parent.mkdir(parents=True, exist_ok=True)
        png.write_bytes(heatmap_png(scores, pids, f"{agenda.title}: monthly score (0-100), {shown}"))
        console.print(f"Heatmap written to {png}")
    # The terminal is narrow: the table names priorities by id, the files by id and title.
    head, rows = (_month_rows(scores, None if fmt is ReportFormat.table else titles) if month
                  else _range_rows(scores, pids))
    if fmt is ReportFormat.csv:
        from api.routes.scores import scores_csv

        text = scores_csv(scores)
    elif fmt is ReportFormat.markdown:
        title = f"# Monthly compliance scores{' for ' + month if month else ''}\n\n{stamp}\n\n"
        text = title + _markdown(head, rows) + (_evidence_markdown(scores) if month else "")
    else:
        if not scores:
            return
        table = Table(title=f"Compliance scores (0-100){' in ' + month if month else ''}", caption=stamp)
        for i, h in enumerate(head):
            # the first column (month or priority) is never cut: "2012-…" tells nobody anything
            table.add_column(h, justify="left" if i == 0 or h.startswith("silence") else "right",
                             no_wrap=i == 0, min_width=max(len(r[0]) for r in rows) if i == 0 and rows else None)
        for row in rows:
            table.add_row(*row)
        out.print(table)
        return
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        console.print(f"{fmt.value} written to {output} ({len(scores)} scores)")
    else:
        out.print(text, end="", highlight=False, markup=False, soft_wrap=True)


@app.command("eval")
def eval_(
    gold: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Gold JSONL file (EVALUATION.md).")],
    predictions_out: Annotated[Path | None, typer.Option(help="Write one prediction per gold passage here.")] = None,
    cv: Annotated[int, typer.Option(help="Also report k-fold cross-validation by document (0 = off; the "
                                         "number of documents = leave one out).")] = 0,
    cv_repeats: Annotated[int, typer.Option(min=1, help="Repeat the cross-validation over N different "
                                                        "document splits and report mean ± sd.")] = 1,
    data_dir: DataDir = None,
) -> None:
    """Score the matcher on a labelled gold file; print per-priority precision/recall/F1."""
    from nlp.agenda import load_agenda
    from nlp.embed import Embedder
    from nlp.evaluate import cross_validate, evaluate, format_report
    from nlp.match import Matcher

    if cv == 1 or cv < 0:
        raise typer.BadParameter("0 (off) or a number of folds of at least 2", param_hint="--cv")
    settings = _settings(data_dir=data_dir)
    agenda = load_agenda(settings.agenda_path)
    embedder = Embedder(settings.model_name, cache_path=settings.embed_cache_path,
                        batch_size=settings.embed_batch_size)
    start = time.monotonic()
    result = evaluate(gold, Matcher(agenda, embedder), predictions_out)
    out.print(format_report(result), highlight=False)
    if cv:
        out.print(f"\n{cv}-fold cross-validation (by document):", highlight=False)
        out.print(format_report(cross_validate(gold, embedder, agenda, folds=cv, repeats=cv_repeats)), highlight=False)
    console.print(f"Evaluated in {time.monotonic() - start:.1f} s"
                  + (f"; predictions written to {predictions_out}" if predictions_out else ""))


@app.command()
def export(
    what: Annotated[ExportWhat, typer.Argument(help="What to export: statements or passages.")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="jsonl or csv.")] = ExportFormat.jsonl,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default stdout).")] = None,
    q: Annotated[str | None, typer.Option("--q", help='Keyword query (words, "phrases", OR, NOT, prefix*); '
                                                      "passages need one.")] = None,
    priority: Annotated[str | None, typer.Option(help="Only texts matched to this priority (P1..P9).")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First month or day (YYYY-MM[-DD]).")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last month or day (YYYY-MM[-DD]).")] = None,
    source: Annotated[str | None, typer.Option(help="un.org/sg or press.un.org.")] = None,
    doc_type: Annotated[str | None, typer.Option("--type", help="Document type, e.g. speech.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Write every statement (all fields, JSON Lines) or every passage a keyword search finds; no cap, streamed.

    Statements in JSON Lines are the stored objects with all their fields; CSV and passage exports
    have the columns of the API's /statements/export and /passages/export.
    """
    from api import exports
    from core.store import open_store
    from core.store.base import StatementFilters

    if what == ExportWhat.passages and not (q and q.strip()):
        raise typer.BadParameter("a passage export needs a keyword query (--q)", param_hint="--q")
    settings = _settings(data_dir=data_dir)
    store = open_store(settings)
    n = 0
    start = time.monotonic()
    try:
        agenda_version = None
        if priority:
            from nlp.agenda import load_agenda

            agenda = load_agenda(settings.agenda_path)
            ids = {p.id.casefold(): p.id for p in agenda.priorities}
            if priority.strip().casefold() not in ids:
                raise typer.BadParameter(f"unknown priority {priority!r} (expected {', '.join(ids.values())})",
                                         param_hint="--priority")
            priority, agenda_version = ids[priority.strip().casefold()], agenda.version
        filters = StatementFilters(priority=priority, date_from=_parse_month(date_from),
                                   date_to=_parse_month(date_to, end=True), source=source, doc_type=doc_type,
                                   agenda_version=agenda_version)
        fh = output.open("w", encoding="utf-8", newline="") if output else sys.stdout
        try:
            plain = what == ExportWhat.statements and fmt == ExportFormat.jsonl
            if plain and not q and filters == StatementFilters():
                for statement in store.iter_statements():
                    fh.write(statement.model_dump_json() + "\n")
                    n += 1
            elif plain:
                for hit in store.iter_statement_hits(q, filters):
                    fh.write(hit.statement.model_dump_json() + "\n")
                    n += 1
            else:
                hits: Any = (store.iter_passage_hits(q, filters, mode="keyword") if what == ExportWhat.passages
                             else store.iter_statement_hits(q, filters))
                seen = [0]

                def counted(items: Any) -> Any:
                    for item in items:
                        seen[0] += 1
                        yield item

                for chunk in exports.stream(counted(hits), fmt.value, what.value):
                    fh.write(chunk)
                n = seen[0]
        finally:
            if output:
                fh.close()
    finally:
        store.close()
    took = time.monotonic() - start
    console.print(f"Exported {n} {what.value}" + (f" to {output}" if output else "")
                  + (f" in {took:.1f} s ({n / took:,.0f} rows/s)" if n and took > 0 else ""))


@app.command()
def status(data_dir: DataDir = None,
           as_json: Annotated[bool, typer.Option("--json", help="Print the raw figures as JSON.")] = False) -> None:
    """Show what is stored: statements, passages, matches, crawl outcomes and skipped pages by reason."""
    from core.store import open_store

    settings = _settings(data_dir=data_dir)
    store = open_store(settings)
    try:
        stats = store.stats()
    finally:
        store.close()
    if as_json:
        out.print_json(json.dumps(stats, default=str))
        return
    out.print(f"[bold]Store[/bold] {settings.db_path}")
    out.print(f"  statements {stats.get('statements', 0)} · passages {stats.get('passages', 0)} · "
              f"matches {stats.get('matches', 0)} · analysed {stats.get('analysed', 0)}")
    for source, n in sorted((stats.get("by_source") or {}).items()):
        out.print(f"  {source}: {n} statements")
    crawl_stats = stats.get("crawl") or {}
    out.print("[bold]Crawl[/bold]")
    out.print(f"  pages stored {crawl_stats.get('stored', 0)} · errors {crawl_stats.get('error', 0)}")
    skipped = crawl_stats.get("skipped") or {}
    out.print(f"  pages skipped {sum(skipped.values())}" + (": " + ", ".join(
        f"{reason} {n}" for reason, n in sorted(skipped.items())) if skipped else ""))
    months = stats.get("months") or {}
    if months:
        out.print("[bold]Statements per month[/bold]")
        for m, n in sorted(months.items()):
            out.print(f"  {m}: {n}")
    coverage = stats.get("coverage") or {}
    gaps = coverage.get("empty_months") or []
    if gaps:
        out.print(f"[bold]Months with no statement[/bold] ({len(gaps)}; a crawl gap or a quiet month): "
                  + ", ".join(gaps))
    for source, per_month in sorted((coverage.get("by_month") or {}).items()):
        table = Table(title=f"Crawl coverage: {source}", show_lines=False)
        for col in ("month", "pages fetched", "statements stored", "pages skipped (why)"):
            table.add_column(col)
        for month, cell in sorted(per_month.items()):
            why = ", ".join(f"{r} {n}" for r, n in sorted(cell["skipped"].items()))
            table.add_row(month, str(cell["fetched"]), str(cell["stored"]),
                          f"{sum(cell['skipped'].values())}" + (f" ({why})" if why else ""))
        out.print(table)
    for source, fields in sorted((coverage.get("extraction") or {}).items()):
        # A site redesign shows up here as a jump from 'selector' to 'text_shape' / 'generic'.
        out.print(f"[bold]Extraction paths: {source}[/bold] (share of stored pages per field)")
        for field, shares in fields.items():
            out.print(f"  {field:<16} " + " · ".join(f"{p} {v:.0%}" for p, v in shares.items()))


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Interface for the API.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port for the API.")] = 8000,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Stop after crawling and analysing.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Crawl the bundled sample site on 127.0.0.1, analyse it, print the scores, then serve the API."""
    from sample_site.server import serve_sites

    with serve_sites() as sites:
        env = dict(os.environ, SGWATCH_UN_SG_BASE_URL=sites.un_sg, SGWATCH_UN_PRESS_BASE_URL=sites.un_press,
                   SGWATCH_UN_SG_DOWNLOAD_DELAY="0", SGWATCH_UN_PRESS_DOWNLOAD_DELAY="0")
        if data_dir is not None:
            env["SGWATCH_DATA_DIR"] = str(data_dir)
        console.print(f"Sample sites: www.un.org → {sites.un_sg} · press.un.org → {sites.un_press}")
        for step in (["crawl"], ["analyze"], ["status"], ["report"]):
            console.rule(f"sgwatch {step[0]}")
            rc = subprocess.call([sys.executable, "-m", "core.cli", *step], env=env)
            if rc != 0:
                console.print(f"[red]sgwatch {step[0]} failed (exit {rc}); stopping the demo.[/red]")
                raise typer.Exit(rc)
        if no_serve:
            return
        console.rule("sgwatch serve")
        os.environ.update({k: v for k, v in env.items() if k.startswith("SGWATCH_")})
        serve(host=host, port=port, data_dir=data_dir)


index_app = typer.Typer(help="Elasticsearch indexes (SGWATCH_STORE=elasticsearch): create or re-index them from "
                             "index_mappings/, copy the embedded store into them.", no_args_is_help=True)
app.add_typer(index_app, name="index")


def _elastic(settings: Settings) -> Any:
    from core.store.elastic import ElasticStore

    return ElasticStore.from_settings(settings)


@index_app.command("migrate")
def index_migrate(
    keep_old: Annotated[bool, typer.Option("--keep-old", help="Keep the previous index version after the "
                                                              "alias moves (default: delete it).")] = False,
    data_dir: DataDir = None,
) -> None:
    """Create missing indexes; re-index those whose mapping file changed into a new version, then switch the alias."""
    settings = _settings(data_dir=data_dir)
    store = _elastic(settings)
    try:
        start = time.monotonic()
        steps = store.migrate(keep_old=keep_old, on_step=lambda msg: console.print(msg))
    finally:
        store.close()
    moved = [s for s in steps if s.action == "migrated"]
    console.print(f"Indexes at {settings.elasticsearch_url} (prefix {settings.elasticsearch_index_prefix}): "
                  f"{sum(s.action == 'created' for s in steps)} created, {len(moved)} re-indexed "
                  f"({sum(s.documents for s in moved)} documents), "
                  f"{sum(s.action == 'up to date' for s in steps)} up to date, in {time.monotonic() - start:.1f} s.")


@index_app.command("sync")
def index_sync(data_dir: DataDir = None) -> None:
    """Copy the embedded SQLite store (statements, passages, vectors, matches, analyses) into Elasticsearch."""
    from core.store.elastic import sync_from
    from core.store.sqlite import SQLiteStore
    from nlp.agenda import load_agenda
    from nlp.embed import Embedder

    settings = _settings(data_dir=data_dir)
    if not settings.db_path.exists():
        console.print(f"[red]No embedded store at {settings.db_path}[/red]: nothing to copy (crawl with "
                      "SGWATCH_STORE=sqlite first, or pass --data-dir).")
        raise typer.Exit(1)
    version = load_agenda(settings.agenda_path).version
    model = Embedder(settings.model_name).model_id
    src = SQLiteStore(settings.db_path)
    dst = _elastic(settings)
    try:
        total = int(src.stats().get("statements", 0))
        start = time.monotonic()
        with Progress(TextColumn("[bold]Copying"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("statements · {task.fields[rate]}"), TimeElapsedColumn(), console=console,
                      disable=total == 0) as progress:
            task = progress.add_task("sync", total=total, rate="")

            def step(n: int) -> None:
                progress.advance(task, n)
                done = progress.tasks[0].completed
                progress.update(task, rate=f"{done / max(time.monotonic() - start, 1e-6):.0f} statements/s")

            summary = sync_from(src, dst, version, model, on_statement=step)
    finally:
        src.close()
        dst.close()
    console.print(f"Copied {summary.statements} statements ({summary.aliases} merged ids), {summary.passages} "
                  f"passages ({summary.vectors} with a {model} vector), {summary.matches} matches and "
                  f"{summary.analyses} analyses of agenda {version} from {settings.db_path} to "
                  f"{settings.elasticsearch_url}; {summary.deleted_passages} stale passages removed.")
    if summary.failed:
        console.print(f"[red]{summary.failed} documents were refused[/red] (the rest was copied):")
        for line in summary.errors:
            console.print(f"  {line}")
        raise typer.Exit(1)


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except SgwatchError as exc:
        console.print(f"[red]Error:[/red] {exc}")
        sys.exit(1)


if __name__ == "__main__":
    main()
