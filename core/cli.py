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


class ExportFormat(str, Enum):
    """Formats of `sgwatch export`."""

    jsonl = "jsonl"


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


def _monthly(settings: Settings, date_from: date | None, date_to: date | None) -> list[Any]:
    from core.scores import monthly_scores
    from core.store import open_store
    from nlp.agenda import load_agenda
    from nlp.embed import Embedder

    agenda = load_agenda(settings.agenda_path)
    model = Embedder(settings.model_name).model_id
    store = open_store(settings)
    try:
        return monthly_scores(store, agenda.version, [p.id for p in agenda.priorities], model,
                              date_from=date_from, date_to=date_to)
    finally:
        store.close()


@app.command()
def report(
    month: Annotated[str | None, typer.Option(help="One month, YYYY-MM.")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First month (YYYY-MM).")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last month (YYYY-MM).")] = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", help="table, markdown or csv.")] = ReportFormat.table,
    data_dir: DataDir = None,
) -> None:
    """Print monthly compliance scores per priority (months x priorities)."""
    settings = _settings(data_dir=data_dir)
    lo = _parse_month(month or date_from)
    hi = _parse_month(month or date_to, end=True)
    scores = _monthly(settings, lo, hi)
    if fmt is ReportFormat.csv:
        out.print("month,priority,statements,addressing,share,passages,explicit_passages,strength,score",
                  highlight=False)
        for s in scores:
            out.print(f"{s.month},{s.priority},{s.statements},{s.addressing},{s.share:.4f},{s.passages},"
                      f"{s.explicit_passages},{s.strength:.4f},{s.score}", highlight=False)
        return
    months = sorted({s.month for s in scores})
    priorities = sorted({s.priority for s in scores}, key=lambda p: int(p[1:]) if p[1:].isdigit() else p)
    by = {(s.month, s.priority): s for s in scores}
    if fmt is ReportFormat.markdown:
        out.print("| month | statements | " + " | ".join(priorities) + " |", highlight=False)
        out.print("|---" * (len(priorities) + 2) + "|", highlight=False)
        for m in months:
            n = by[(m, priorities[0])].statements if priorities else 0
            out.print(f"| {m} | {n} | " + " | ".join(f"{by[(m, p)].score:g}" for p in priorities) + " |",
                      highlight=False)
        return
    table = Table(title="Monthly compliance scores (0-100)")
    table.add_column("month")
    table.add_column("statements", justify="right")
    for p in priorities:
        table.add_column(p, justify="right")
    for m in months:
        n = by[(m, priorities[0])].statements if priorities else 0
        table.add_row(m, str(n), *[f"{by[(m, p)].score:g}" if by[(m, p)].score else "·" for p in priorities])
    out.print(table)


@app.command("eval")
def eval_(
    gold: Annotated[Path, typer.Option(exists=True, dir_okay=False, help="Gold JSONL file (EVALUATION.md).")],
    predictions_out: Annotated[Path | None, typer.Option(help="Write one prediction per gold passage here.")] = None,
    cv: Annotated[int, typer.Option(help="Also report k-fold cross-validation by document (0 = off).")] = 0,
    data_dir: DataDir = None,
) -> None:
    """Score the matcher on a labelled gold file; print per-priority precision/recall/F1."""
    from nlp.agenda import load_agenda
    from nlp.embed import Embedder
    from nlp.evaluate import cross_validate, evaluate, format_report
    from nlp.match import Matcher

    settings = _settings(data_dir=data_dir)
    agenda = load_agenda(settings.agenda_path)
    embedder = Embedder(settings.model_name, cache_path=settings.embed_cache_path,
                        batch_size=settings.embed_batch_size)
    start = time.monotonic()
    result = evaluate(gold, Matcher(agenda, embedder), predictions_out)
    out.print(format_report(result), highlight=False)
    if cv:
        out.print(f"\n{cv}-fold cross-validation (by document):", highlight=False)
        out.print(format_report(cross_validate(gold, embedder, agenda, folds=cv)), highlight=False)
    console.print(f"Evaluated in {time.monotonic() - start:.1f} s"
                  + (f"; predictions written to {predictions_out}" if predictions_out else ""))


@app.command()
def export(
    what: Annotated[ExportWhat, typer.Argument(help="What to export: statements.")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="Output format.")] = ExportFormat.jsonl,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default stdout).")] = None,
    data_dir: DataDir = None,
) -> None:
    """Write every stored statement with all its fields, one JSON object per line (no cap)."""
    from core.store import open_store

    settings = _settings(data_dir=data_dir)
    store = open_store(settings)
    n = 0
    try:
        fh = output.open("w", encoding="utf-8") if output else sys.stdout
        try:
            for statement in store.iter_statements():
                fh.write(statement.model_dump_json() + "\n")
                n += 1
        finally:
            if output:
                fh.close()
    finally:
        store.close()
    console.print(f"Exported {n} statements" + (f" to {output}" if output else ""))


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


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except SgwatchError as exc:
        console.print(f"[red]Error:[/red] {exc}")
        sys.exit(1)


if __name__ == "__main__":
    main()
