"""The ``radar`` command line.

Every argument, option, environment variable and path is checked before any work starts (pipeline/usage.py):
a mistake is one line on stderr and exit status 2, with no Prefect server started, no run recorded and no
failure webhook called. Only ``demo``, ``run`` and ``serve`` use Prefect, imported lazily; ``report``,
``top``, ``sql``, ``export``, ``import`` and ``admin`` are plain local work. Global options (``--db``,
``--config``, ``--debug``, ``--verbose``) are accepted before or after the subcommand. Output is quiet by
default (pipeline/terminal.py); tables come as ``--format table|csv|json`` (pipeline/output.py).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.text import Text

from pipeline import progress, terminal, usage
from pipeline.config import Config, ConfigError, load_config
from pipeline.dates import parse_date, snapshot_date
from pipeline.output import render
from pipeline.stopping import StopRequested, install_stop_handlers, received
from pipeline.usage import UsageError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Embedding Radar: track, score and smoke-test Chinese text-embedding models. "
                       "Global options (--db, --config, --verbose, --debug) go before or after the command.")
admin_app = typer.Typer(no_args_is_help=True, help="Maintenance of the warehouse.")
app.add_typer(admin_app, name="admin")
out = Console(highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)

GLOBAL_FLAGS = ("--debug", "--verbose", "-v")
GLOBAL_VALUES = ("--db", "--config")


@dataclass
class Context:
    config_path: str | None
    explicit_config: str | None
    """--config or $RADAR_CONFIG only: the demo falls back to its own configuration, not ./radar.toml."""
    db: Path
    db_label: str
    """What set the warehouse path (--db, RADAR_DB or paths.db), for error messages."""
    config: Config
    debug: bool
    verbose: bool

    def path_label(self, key: str) -> str:
        """The environment variable or ``paths.<key>`` that set a path of the configuration."""
        return self.config.origins.get(key, f"paths.{key}")


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[Optional[Path], typer.Option("--db", help="Warehouse file (env RADAR_DB; default ./data/radar.duckdb).")] = None,
    config: Annotated[Optional[Path], typer.Option("--config", help="Configuration TOML (env RADAR_CONFIG).")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show every log line (Prefect task states, library progress bars).")] = False,
) -> None:
    if config is not None and not config.is_file():
        raise UsageError(f"--config: file not found: {config}")
    terminal.configure(err, verbose=verbose, debug=debug)
    cfg = load_config(config)
    ctx.obj = Context(
        config_path=str(config) if config else (str(cfg.source_path) if cfg.source_path else None),
        explicit_config=str(config) if config else os.environ.get("RADAR_CONFIG"),
        db=db or cfg.db,
        db_label="--db" if db else cfg.origins.get("db", "paths.db"),
        config=cfg,
        debug=debug,
        verbose=verbose,
    )


class Step(str, Enum):
    all = "all"
    hub = "hub"
    mteb = "mteb"
    scores = "scores"
    smoke = "smoke"
    report = "report"


class Fmt(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


class Lang(str, Enum):
    zh = "zh"
    en = "en"


class Runner(str, Enum):
    threads = "threads"
    dask = "dask"


FORMAT_HELP = "table (rounded, for reading), csv or json (exact values, for scripts)."


SUMMARY_WIDTH = 120
"""Summary tables sent to a file or pipe wrap at this width (data tables widen instead: ids are never cut)."""


def emit(columns: list[str], rows: list[list[Any]], fmt: Fmt, title: str | None = None, null: str = "NULL",
         summary: bool = False) -> None:
    """Print rows on stdout in ``fmt``: a table sized for the terminal (widened for a file, or wrapped at
    :data:`SUMMARY_WIDTH` for a summary), csv or json."""
    width = out.width if out.is_terminal else SUMMARY_WIDTH if summary else None
    text = render(columns, rows, fmt.value, width=width, title=title, null=null, color=out.is_terminal)
    sys.stdout.write(text)
    sys.stdout.flush()


@app.command()
def demo(ctx: typer.Context,
         fmt: Annotated[Fmt, typer.Option("--format", help=FORMAT_HELP)] = Fmt.table) -> None:
    """Run the whole pipeline offline on the bundled replay Hub and recorded history."""
    from pipeline.summaries import demo_rows

    c: Context = ctx.obj
    usage.warehouse_to_write(c.db, c.db_label)
    started = time.perf_counter()
    from flows.demo import run_demo

    with progress.listening(terminal.listener_for(err)):
        summary = run_demo(db_path=str(c.db), config_path=c.explicit_config)
    if fmt is not Fmt.table:
        emit_result(summary, fmt)
        return
    emit(["step", "result"], demo_rows(summary), fmt, title=f"Demo finished in {time.perf_counter() - started:.0f} s",
         summary=True)
    out.print(Text(f"Warehouse: {c.db.resolve()}"))
    for path in summary.get("reports", []):
        if path.endswith((".md", ".html")):
            out.print(Text(f"Report:    {Path(path).resolve()}"))
    out.print("Try:")
    for command in ('radar sql "select snapshot_date, count(*) from model_snapshots group by 1 order by 1"',
                    "radar top --profile rag -n 10",
                    "radar report --week " + str(summary.get("week") or "") + " --lang en"):
        out.print(Text(f"  {command}"), soft_wrap=True)


STEP_LABELS = {Step.all: "Weekly pipeline", Step.hub: "Hub snapshot", Step.mteb: "C-MTEB snapshot",
               Step.scores: "Scores", Step.smoke: "Smoke tests", Step.report: "Weekly report"}


@app.command()
def run(
    ctx: typer.Context,
    step: Annotated[Step, typer.Argument(help="Which part of the pipeline.")] = Step.all,
    on: Annotated[Optional[str], typer.Option("--date", help="Snapshot date YYYY-MM-DD (default today, UTC): all, hub, mteb, scores.")] = None,
    force: Annotated[bool, typer.Option(help="Redo work that would be skipped (unchanged MTEB source, tested models).")] = False,
    model: Annotated[Optional[list[str]], typer.Option("--model", help="smoke: test these models (repeatable) instead of the selection.")] = None,
    task_runner: Annotated[Optional[Runner], typer.Option("--task-runner", help="smoke: threads or dask.")] = None,
    dask_address: Annotated[Optional[str], typer.Option("--dask-address", help="smoke: a running Dask scheduler, tcp://host:port.")] = None,
    fmt: Annotated[Fmt, typer.Option("--format", help=FORMAT_HELP)] = Fmt.table,
) -> None:
    """The real thing, against HF_ENDPOINT (default huggingface.co)."""
    c: Context = ctx.obj
    when = check_run(c, step, on, model, task_runner, dask_address)
    common = {"config_path": c.config_path, "db_path": str(c.db)}
    with progress.listening(terminal.listener_for(err)), progress.step(STEP_LABELS[step]):
        if step is Step.all:
            from flows.weekly_pipeline import weekly_pipeline

            result = weekly_pipeline(snapshot_date=when, force=force, **common)
        elif step is Step.hub:
            from flows.hub_snapshot import hub_snapshot

            result = hub_snapshot(snapshot_date=when, **common)
        elif step is Step.mteb:
            from flows.mteb_snapshot import mteb_snapshot

            result = mteb_snapshot(snapshot_date=when, force=force, **common)
        elif step is Step.scores:
            from flows.scores import compute_scores

            result = compute_scores(as_of=when, full=force, **common)
        elif step is Step.smoke:
            from flows.smoke import smoke_tests

            result = smoke_tests(force=force, models=model or None, task_runner=task_runner.value if task_runner else None,
                                 dask_address=dask_address, snapshot_date=when, **common)
        else:
            from flows.weekly_report import weekly_report

            result = weekly_report(**common)
    if step is Step.smoke:
        from pipeline.summaries import SMOKE_COLUMNS, SMOKE_HEADERS, smoke_rows

        models = smoke_rows(c.db, result["run_id"])
        if fmt is not Fmt.table:
            emit_result({**result, "models": [dict(zip(SMOKE_COLUMNS, m)) for m in models]}, fmt)
            return
        emit(SMOKE_HEADERS, [m[:-1] + [_cut(m[-1])] for m in models], fmt, title="Smoke tests", null="", summary=True)
    emit_result(result, fmt, title=STEP_LABELS[step])


def check_run(c: Context, step: Step, on: str | None, model: list[str] | None, task_runner: Runner | None,
              dask_address: str | None) -> date | None:
    """Every usage mistake of ``radar run``, found before Prefect starts; returns the snapshot date."""
    dated = (Step.all, Step.hub, Step.mteb, Step.scores, Step.smoke)
    if on is not None and step not in dated:
        raise UsageError(f"--date: `radar run {step.value}` takes no date (only all, hub, mteb, scores and smoke do)")
    when = snapshot_date(on, "--date") if on is not None else None
    if model and step is not Step.smoke:
        raise UsageError("--model: only `radar run smoke` takes models")
    if (task_runner or dask_address) and step not in (Step.smoke, Step.all):
        raise UsageError(f"--{'task-runner' if task_runner else 'dask-address'}: only for `radar run smoke` and `radar run all`")
    if dask_address is not None:
        usage.dask_address(dask_address)
    if task_runner is Runner.threads and dask_address:
        raise UsageError("--dask-address: needs --task-runner dask (or no --task-runner)")
    for repo_id in model or ():
        from pipeline.smoke.download import UnsafeRepoError, validate_repo_id

        try:
            validate_repo_id(repo_id)
        except UnsafeRepoError as exc:
            raise UsageError(f"--model: {exc}") from None
    if os.environ.get("HF_ENDPOINT") and step is not Step.scores and step is not Step.report:
        usage.http_url(os.environ["HF_ENDPOINT"], "HF_ENDPOINT")
    if step in (Step.scores, Step.smoke, Step.report):
        usage.warehouse_to_read(c.db, c.db_label)
    else:
        usage.warehouse_to_write(c.db, c.db_label)
    if step in (Step.all, Step.report):
        usage.folder_to_write(c.config.reports_dir, c.path_label("reports_dir"))
    if step in (Step.all, Step.mteb, Step.smoke):
        usage.folder_to_write(c.config.cache_dir, c.path_label("cache_dir"))
    if step in (Step.all, Step.mteb) and c.config.mteb.source == "checkout":
        checkout = Path(c.config.mteb.checkout_path or "")
        if not checkout.is_dir():
            raise UsageError(f"{c.config.origin('mteb.checkout_path')}: {checkout} is not a folder")
    return when


def emit_result(result: dict[str, Any], fmt: Fmt, title: str | None = None) -> None:
    """A flow's result: a short field/value table, or the exact result as JSON or CSV."""
    from pipeline.summaries import result_rows

    if fmt is Fmt.json:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=1, default=str) + "\n")
        return
    rows = result_rows(result) if fmt is Fmt.table else [
        [k, json.dumps(v, ensure_ascii=False, default=str) if isinstance(v, (dict, list)) else v] for k, v in result.items()]
    emit(["field", "value"], rows, fmt, title=title, null="-", summary=True)


def _cut(text: str | None, limit: int = 40) -> str | None:
    """A long error message shortened for the table (``--format json`` has it whole)."""
    return text if text is None or len(text) <= limit else text[: limit - 1] + "…"


@app.command()
def sql(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="One read-only SELECT.")],
    fmt: Annotated[Fmt, typer.Option("--format", help=FORMAT_HELP)] = Fmt.table,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, envvar="RADAR_SQL_TIMEOUT",
                                           help="Stop the query after this many seconds.")] = 30.0,
    max_rows: Annotated[int, typer.Option("--max-rows", min=1, help="Rows shown by the table format.")] = 1000,
) -> None:
    """Read-only SQL against the warehouse, stopped at a time limit."""
    from warehouse.sql import QueryRejected, check_read_only, run_query

    c: Context = ctx.obj
    try:
        check_read_only(query)
    except QueryRejected as exc:
        raise UsageError(f"QUERY: {exc}") from None
    usage.warehouse_to_read(c.db, c.db_label)
    result = run_query(c.db, query, max_rows=max_rows if fmt is Fmt.table else None, timeout_seconds=timeout)
    emit(result.columns, [list(r) for r in result.rows], fmt)
    if fmt is Fmt.table:
        out.print(Text(result.summary()), soft_wrap=True)


@app.command()
def top(
    ctx: typer.Context,
    profile: Annotated[str, typer.Option(help="Weight profile (balanced, rag, cpu-edge, commercial, or your own).")] = "balanced",
    max_dim: Annotated[Optional[int], typer.Option("--max-dim", help="Only models with at most this embedding dimension.")] = None,
    max_params: Annotated[Optional[str], typer.Option("--max-params", help="Only models up to this size, e.g. 400M or 1.5B.")] = None,
    license: Annotated[Optional[str], typer.Option("--license", help="'permissive': only licences that allow commercial use.")] = None,
    n: Annotated[int, typer.Option("-n", help="How many models.")] = 10,
    fmt: Annotated[Fmt, typer.Option("--format", help=FORMAT_HELP)] = Fmt.table,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Ranking date YYYY-MM-DD (default the latest).")] = None,
    all_sizes: Annotated[bool, typer.Option("--all-sizes", help="Every size of a model series, not one row per series.")] = False,
) -> None:
    """The ranked shortlist, with the reasons behind each place."""
    from pipeline.shortlist import LICENSE_FILTERS, ShortlistError, parse_size, ranking_dates, render_top

    c: Context = ctx.obj
    if profile not in c.config.profiles:
        raise UsageError(f"--profile: unknown profile {profile!r}; known: {', '.join(sorted(c.config.profiles))}")
    usage.positive(n, "-n")
    usage.positive(max_dim, "--max-dim")
    usage.choice(license, LICENSE_FILTERS, "--license")
    try:
        size = parse_size(max_params) if max_params else None
    except ShortlistError as exc:
        raise UsageError(str(exc)) from None
    usage.positive(size, "--max-params")
    day = parse_date(as_of, "--as-of") if as_of else None
    usage.warehouse_to_read(c.db, c.db_label)
    if day is not None:
        dates = ranking_dates(c.db, profile)
        if day not in dates:
            have = f"rankings exist from {dates[0]} to {dates[-1]} ({len(dates)} dates)" if dates else "no rankings yet"
            raise UsageError(f"--as-of: no {profile} ranking on {day}; {have}")
    text = render_top(c.db, profile=profile, max_dim=max_dim, max_params=size, license=license, n=n,
                      fmt=fmt.value, as_of=day, config=c.config, all_sizes=all_sizes)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


@app.command()
def report(
    ctx: typer.Context,
    week: Annotated[Optional[str], typer.Option(help="ISO week YYYY-Www (default the latest with data).")] = None,
    lang: Annotated[Optional[Lang], typer.Option(help="zh or en (default: both).")] = None,
) -> None:
    """(Re)build a weekly report from the warehouse (no Prefect; `radar run report` is the recorded flow)."""
    from pipeline.report.weeks import WeekError, check_week, parse_week
    from warehouse import db

    c: Context = ctx.obj
    if week is not None:
        try:
            parse_week(week)
        except WeekError as exc:
            raise UsageError(f"--week: {str(exc).split(': ', 1)[-1]}") from None
    usage.warehouse_to_read(c.db, c.db_label)
    usage.folder_to_write(c.config.reports_dir, c.path_label("reports_dir"))
    if week is not None:
        with db.reader(c.db) as con:
            check_week(con, week, "--week")
    from pipeline.report.build import build_report

    with progress.listening(terminal.listener_for(err)), progress.step("Weekly report"):
        built = build_report(c.db, c.config, week=week, lang=lang.value if lang else None)
    for warning in built.warnings:   # the same line the weekly_report flow logs
        logging.getLogger("radar.report").warning("weekly report %s: %s", built.week, warning)
    for path in built.files:
        if path.suffix in (".md", ".html"):
            out.print(Text(str(path.resolve())), soft_wrap=True)


@app.command("replay-hub")
def replay_hub(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 = any free port).", min=0, max=65535)] = 8765,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Serve the recorded data as of this date.")] = None,
) -> None:
    """Serve the local stand-in of the Hub API (the demo's recorded data and test repositories)."""
    day = parse_date(as_of, "--as-of") if as_of else None
    from flows.demo import demo_replay_data
    from pipeline.replay_hub.cli import serve

    serve(port=port, as_of=day, data=demo_replay_data(ctx.obj.config))


@app.command()
def serve(ctx: typer.Context) -> None:
    """Serve every deployment from this process (for users without a work pool)."""
    c: Context = ctx.obj
    usage.warehouse_to_write(c.db, c.db_label)
    from flows.deployments import serve_all

    serve_all(config_path=c.config_path, db_path=str(c.db))


@app.command("export")
def export_cmd(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Target folder (Parquet files + schema), new or empty.")],
) -> None:
    """Write the whole warehouse to Parquet, for backups and readers elsewhere."""
    from warehouse.backup import export_parquet

    c: Context = ctx.obj
    usage.warehouse_to_read(c.db, c.db_label)
    usage.folder_to_write(directory, "DIRECTORY")
    if directory.is_dir() and any(directory.iterdir()):
        raise UsageError(f"DIRECTORY: {directory} is not empty; export into a new or empty folder")
    summary = export_parquet(c.db, directory)
    out.print(Text(f"exported {summary['tables']} tables, {summary['rows']} rows to {directory.resolve()}"))


@app.command("import")
def import_cmd(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="A folder written by `radar export`.")],
) -> None:
    """Restore a warehouse from a `radar export` folder (the target file must not exist)."""
    from warehouse.backup import import_parquet

    c: Context = ctx.obj
    if not (directory / "manifest.json").is_file():
        raise UsageError(f"DIRECTORY: {directory} is not a `radar export` folder (no manifest.json)")
    if c.db.exists():
        raise UsageError(f"{c.db_label}: {c.db} already exists; import never overwrites a warehouse, choose a new path")
    usage.folder_to_write(c.db.parent, c.db_label)
    summary = import_parquet(directory, c.db)
    out.print(Text(f"imported {summary['tables']} tables, {summary['rows']} rows into {c.db.resolve()}"))


@admin_app.command("delete-date")
def delete_date(
    ctx: typer.Context,
    day: Annotated[str, typer.Argument(metavar="DATE", help="The snapshot date to remove, YYYY-MM-DD.")],
    yes: Annotated[bool, typer.Option("--yes", help="Really delete (without it, only show what would go).")] = False,
    fmt: Annotated[Fmt, typer.Option("--format", help=FORMAT_HELP)] = Fmt.table,
) -> None:
    """Remove one snapshot date and everything derived from it, in one transaction."""
    from warehouse.admin import DATED, delete_snapshot_date, preview_delete
    from warehouse.runs import RunRecord, fail_run, start_run

    c: Context = ctx.obj
    when = parse_date(day, "DATE")
    usage.warehouse_to_read(c.db, c.db_label)
    counts = preview_delete(c.db, when)
    if not any(counts[table] for table, _ in DATED) and not counts["runs"]:
        raise UsageError(f"DATE: nothing is stored for {when}")
    if yes:
        run_id = start_run(c.db, "delete_date", when)
        try:
            counts = delete_snapshot_date(c.db, when, RunRecord(run_id=run_id, flow="delete_date"))
        except Exception as exc:
            fail_run(c.db, run_id, exc)
            raise
    emit(["rows", "count"], [[k, v] for k, v in counts.items()], fmt,
         title=f"{'Deleted' if yes else 'Would delete'} snapshot date {when}")
    if not yes:
        raise UsageError(f"--yes: nothing deleted; rerun with --yes to delete the rows of {when} listed above")
    if counts["later_trend_dates"]:
        err.print(Text(f"note: the download trends of {counts['later_trend_dates']} later dates were measured "
                       f"against {when}; `radar run scores --force` recomputes them"), soft_wrap=True)


def hoist_global_options(argv: list[str]) -> list[str]:
    """Move global options given after the subcommand in front of it, where click reads them."""
    front: list[str] = []
    rest: list[str] = []
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest.extend(argv[i:])
            break
        if arg in GLOBAL_FLAGS:
            front.append(arg)
        elif arg in GLOBAL_VALUES and i + 1 < len(argv):
            front.extend(argv[i:i + 2])
            i += 1
        elif arg.split("=", 1)[0] in GLOBAL_VALUES and "=" in arg:
            front.append(arg)
        else:
            rest.append(arg)
        i += 1
    return front + rest


def main(argv: list[str] | None = None) -> None:
    """Console entry point: one-line errors; exit 2 for usage mistakes, 1 for failed work."""
    args = hoist_global_options(sys.argv[1:] if argv is None else list(argv))
    debug = "--debug" in args
    install_stop_handlers()
    try:
        code = app(args=args, prog_name="radar", standalone_mode=False)
        if received() is not None:   # a stop that a library caught on the way: still a stop
            raise StopRequested(received()) if received() != signal.SIGINT else KeyboardInterrupt
    except typer.Exit as exc:
        code = exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(130)
    except StopRequested as stop:   # SIGTERM: the run is recorded as cancelled; 128 + signal, as a shell would
        err.print(Text(f"cancelled: {stop}"))
        sys.exit(128 + stop.signum)
    except Exception as exc:  # the one place errors become a line for a person
        if debug:
            raise
        from pipeline.output import printable

        status, line = describe(exc)
        if line:  # empty: the help was shown instead (no arguments at all)
            err.print(Text("error: ", style="bold red") + Text(printable(line)), soft_wrap=True)
        sys.exit(status)
    sys.exit(code if isinstance(code, int) else 0)


ONE_LINE_ERRORS = ("QueryRejected", "WarehouseBusy", "WarehouseMissing", "WarehouseError", "ServeError", "BackupError",
                   "ShortlistError", "ScoringError", "HistoryError", "ReportError", "PipelineFailed", "HubFetchError")
"""Errors whose message already is a sentence for a person (no class name in front)."""


def describe(exc: BaseException) -> tuple[int, str]:
    """The exit status and the one line for an exception."""
    text = " ".join(str(exc).split())
    if isinstance(exc, typer.TyperException) and hasattr(exc, "format_message"):
        context = getattr(exc, "ctx", None)
        where = f"{context.command_path}: " if context is not None else "radar: "
        message = " ".join(exc.format_message().replace("Value error, ", "").split())
        return getattr(exc, "exit_code", 2), f"{where}{message} (see --help)" if message else ""
    if isinstance(exc, (UsageError, ConfigError)):
        return 2, text
    if type(exc).__name__ in ONE_LINE_ERRORS:
        return 1, text
    return 1, f"{type(exc).__name__}: {text}"


if __name__ == "__main__":
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    main()
