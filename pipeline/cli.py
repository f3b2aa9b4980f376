"""The ``radar`` command line.

Orchestration commands (``demo``, ``run``, ``report``, ``serve``) import ``flows`` lazily, so the read
commands (``sql``, ``top``) start fast and never import Prefect. Errors are one clear line on stderr and
a non-zero exit code; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import time
from dataclasses import dataclass
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from pipeline.config import Config, ConfigError, load_config
from pipeline.stopping import StopRequested, install_stop_handlers, received

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Embedding Radar: track, score and smoke-test Chinese text-embedding models.")
out = Console()
err = Console(stderr=True, soft_wrap=True)


@dataclass
class Context:
    config_path: str | None
    explicit_config: str | None
    """--config or $RADAR_CONFIG only: the demo falls back to its own configuration, not ./radar.toml."""
    db: Path
    config: Config
    debug: bool


@app.callback()
def main_options(
    ctx: typer.Context,
    db: Annotated[Optional[Path], typer.Option("--db", help="Warehouse file (env RADAR_DB; default ./data/radar.duckdb).")] = None,
    config: Annotated[Optional[Path], typer.Option("--config", help="Configuration TOML (env RADAR_CONFIG).")] = None,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks.")] = False,
) -> None:
    cfg = load_config(config)
    ctx.obj = Context(
        config_path=str(config) if config else (str(cfg.source_path) if cfg.source_path else None),
        explicit_config=str(config) if config else os.environ.get("RADAR_CONFIG"),
        db=db or cfg.db,
        config=cfg,
        debug=debug,
    )
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


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


@app.command()
def demo(ctx: typer.Context) -> None:
    """Run the whole pipeline offline on the bundled replay Hub and recorded history."""
    from flows.demo import run_demo

    c: Context = ctx.obj
    started = time.perf_counter()
    summary = run_demo(db_path=str(c.db), config_path=c.explicit_config, progress=out)
    out.print(f"\n[bold green]Demo finished[/] in {time.perf_counter() - started:.0f} s.")
    out.print(f"Warehouse: [bold]{c.db.resolve()}[/]")
    for path in summary.get("reports", []):
        out.print(f"Report:    [bold]{Path(path).resolve()}[/]")
    out.print("\nTry:")
    for query in (
        "select snapshot_date, count(*) from model_snapshots group by 1 order by 1",
        "select model_id, downloads_28d, momentum from download_trends"
        " where as_of = (select max(as_of) from download_trends) order by rank limit 10",
        "select protocol, count(*) filter (where mean_task is not null) as full_mean from cmteb_leaderboard"
        " where snapshot_date = (select max(snapshot_date) from cmteb_leaderboard) group by 1",
    ):
        out.print(f'  radar sql "{query}"', soft_wrap=True, highlight=False)
    out.print("  radar top --profile rag -n 10")


@app.command()
def run(
    ctx: typer.Context,
    step: Annotated[Step, typer.Argument(help="Which part of the pipeline.")] = Step.all,
    on: Annotated[Optional[str], typer.Option("--date", help="Snapshot date YYYY-MM-DD (default today, UTC).")] = None,
    force: Annotated[bool, typer.Option(help="Redo work that would be skipped (unchanged MTEB source, tested models).")] = False,
    model: Annotated[Optional[list[str]], typer.Option("--model", help="smoke: test these models (repeatable) instead of the selection.")] = None,
    task_runner: Annotated[Optional[str], typer.Option("--task-runner", help="smoke: threads or dask.")] = None,
    dask_address: Annotated[Optional[str], typer.Option("--dask-address", help="smoke: a running Dask scheduler.")] = None,
) -> None:
    """The real thing, against HF_ENDPOINT (default huggingface.co)."""
    c: Context = ctx.obj
    when = date.fromisoformat(on) if on else None
    common = {"config_path": c.config_path, "db_path": str(c.db)}
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

        result = smoke_tests(force=force, models=model or None, task_runner=task_runner, dask_address=dask_address, **common)
    else:
        from flows.weekly_report import weekly_report

        result = weekly_report(**common)
    out.print(result)


@app.command()
def sql(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="One read-only SELECT.")],
    fmt: Annotated[Fmt, typer.Option("--format", help="Output format.")] = Fmt.table,
    timeout: Annotated[float, typer.Option("--timeout", min=0.1, envvar="RADAR_SQL_TIMEOUT",
                                           help="Stop the query after this many seconds.")] = 30.0,
    max_rows: Annotated[int, typer.Option("--max-rows", min=1, help="Rows shown by the table format.")] = 1000,
) -> None:
    """Read-only SQL against the warehouse, stopped at a time limit."""
    from warehouse.sql import run_query, to_csv, to_json

    result = run_query(ctx.obj.db, query, max_rows=max_rows if fmt is Fmt.table else None, timeout_seconds=timeout)
    if fmt is Fmt.csv:
        sys.stdout.write(to_csv(result))
    elif fmt is Fmt.json:
        sys.stdout.write(to_json(result) + "\n")
    else:
        from pipeline.terminal import cell

        table = Table(show_lines=False)
        for column in result.columns:
            table.add_column(cell(column))
        for row in result.rows:
            table.add_row(*(cell(v) for v in row))
        out.print(table)
        out.print(result.summary(), highlight=False, markup=False, soft_wrap=True)


@app.command()
def top(
    ctx: typer.Context,
    profile: Annotated[str, typer.Option(help="Weight profile (balanced, rag, cpu-edge, commercial, or your own).")] = "balanced",
    max_dim: Annotated[Optional[int], typer.Option("--max-dim", help="Only models with at most this embedding dimension.")] = None,
    max_params: Annotated[Optional[str], typer.Option("--max-params", help="Only models up to this size, e.g. 400M or 1.5B.")] = None,
    license: Annotated[Optional[str], typer.Option("--license", help="'permissive': only licences that allow commercial use.")] = None,
    n: Annotated[int, typer.Option("-n", help="How many models.")] = 10,
    fmt: Annotated[Fmt, typer.Option("--format", help="table or json.")] = Fmt.table,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Ranking date (default the latest).")] = None,
) -> None:
    """The ranked shortlist, with the reasons behind each place."""
    from pipeline.shortlist import parse_size, render_top

    c: Context = ctx.obj
    text = render_top(
        c.db, profile=profile, max_dim=max_dim, max_params=parse_size(max_params) if max_params else None,
        license=license, n=n, fmt=fmt.value, as_of=date.fromisoformat(as_of) if as_of else None, config=c.config,
    )
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


@app.command()
def report(
    ctx: typer.Context,
    week: Annotated[Optional[str], typer.Option(help="ISO week YYYY-Www (default the latest with data).")] = None,
    lang: Annotated[Optional[Lang], typer.Option(help="zh or en (default: both).")] = None,
) -> None:
    """(Re)build a weekly report from the warehouse."""
    from flows.weekly_report import weekly_report

    c: Context = ctx.obj
    result = weekly_report(week=week, lang=lang.value if lang else None, config_path=c.config_path, db_path=str(c.db))
    for path in result.get("files", []):
        out.print(str(Path(path).resolve()))


@app.command("replay-hub")
def replay_hub(
    ctx: typer.Context,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1 (0 = any free port).")] = 8765,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Serve the recorded data as of this date.")] = None,
) -> None:
    """Serve the local stand-in of the Hub API (the demo's recorded data and test repositories)."""
    from flows.demo import demo_replay_data
    from pipeline.replay_hub.cli import serve

    serve(port=port, as_of=date.fromisoformat(as_of) if as_of else None, data=demo_replay_data(ctx.obj.config))


@app.command()
def serve(ctx: typer.Context) -> None:
    """Serve every deployment from this process (for users without a work pool)."""
    from flows.deployments import serve_all

    serve_all(config_path=ctx.obj.config_path, db_path=str(ctx.obj.db))


@app.command("export")
def export_cmd(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="Target folder (Parquet files + schema).")],
) -> None:
    """Write the whole warehouse to Parquet, for backups and readers elsewhere."""
    from warehouse.backup import export_parquet

    summary = export_parquet(ctx.obj.db, directory)
    out.print(f"exported {summary['tables']} tables, {summary['rows']} rows to {directory.resolve()}")


@app.command("import")
def import_cmd(
    ctx: typer.Context,
    directory: Annotated[Path, typer.Argument(help="A folder written by `radar export`.")],
) -> None:
    """Restore a warehouse from a `radar export` folder (the target file must not exist)."""
    from warehouse.backup import import_parquet

    summary = import_parquet(directory, ctx.obj.db)
    out.print(f"imported {summary['tables']} tables, {summary['rows']} rows into {ctx.obj.db.resolve()}")


def main() -> None:
    """Console entry point: one-line errors and non-zero exit codes."""
    debug = "--debug" in sys.argv
    install_stop_handlers()
    try:
        app(standalone_mode=False)
        if received() is not None:   # a stop that a library caught on the way: still a stop
            raise StopRequested(received()) if received() != signal.SIGINT else KeyboardInterrupt
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(130)
    except StopRequested as stop:   # SIGTERM: the run is recorded as cancelled; 128 + signal, as a shell would
        err.print(f"cancelled: {stop}")
        sys.exit(128 + stop.signum)
    except Exception as exc:  # the one place errors become a line for a person
        if debug:
            raise
        from click import ClickException

        if isinstance(exc, ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        from pipeline.terminal import visible
        from warehouse.redact import redact

        err.print(Text.assemble(("error:", "bold red"), " ", visible(redact(_one_line(exc)))), highlight=False)
        sys.exit(2 if isinstance(exc, ConfigError) else 1)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if isinstance(exc, (ConfigError,)) or type(exc).__name__ in ("QueryRejected", "WarehouseBusy", "WarehouseMissing", "ServeError", "BackupError", "ShortlistError", "ScoringError", "HistoryError") else f"{type(exc).__name__}: {text}"


if __name__ == "__main__":
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    main()
