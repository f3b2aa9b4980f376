"""Everything one weekly report shows, read from the warehouse in one read-only pass.

The report renders what the other flows stored; it recomputes no trend, criterion, ranking or
leaderboard. Each section reads the latest rows dated on or before the week's Sunday, so rebuilding a past
week later gives the same report. A section whose table is missing (its flow has not run yet), lacks a
column (an older schema) or has no rows for the week becomes an explicit :class:`NoData` marker that the
report prints, instead of failing the whole report.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import duckdb

from pipeline.config import CRITERIA, Config
from pipeline.provenance import synthetic_in
from pipeline.report.model import (
    TYPE_COLUMNS,
    BoardRow,
    Charts,
    Compare,
    CriterionCell,
    DownloadSeries,
    GapRow,
    Headline,
    Leaderboard,
    Method,
    Movers,
    NewEntrant,
    NewResult,
    NoData,
    PopularRow,
    ProfileTop,
    QualityPoint,
    RankMove,
    RankSeries,
    RankedModel,
    ReportData,
    Smoke,
    SmokeRow,
    TrendRow,
    UnknownRow,
    status_rank,
)
from pipeline.report.weeks import latest_week, one_per_week, parse_week

MIN_WEEKLY_DOWNLOADS = 100
"""Growth is only ranked among models with at least this many downloads in the week: +900 % on 3
downloads is noise, not a trend."""

LIST_LIMIT = 10
"""Rows shown in the movers, rank-move and coverage-gap lists (the counts always cover all rows)."""

COMPARE_N = 5
CHART_MODELS = 6
BUMP_MODELS = 8
HISTORY_WEEKS = 12

def table_columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """Every table and view in the warehouse with its column names (lower case)."""
    rows = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'"
    ).fetchall()
    out: dict[str, set[str]] = {}
    for table, column in rows:
        out.setdefault(table.lower(), set()).add(column.lower())
    return out


class _Warehouse:
    """Read helpers that turn a missing table or column into :class:`NoData` instead of an error."""

    def __init__(self, con: duckdb.DuckDBPyConnection, end: date) -> None:
        self.con = con
        self.end = end
        self.columns = table_columns(con)

    def lacks(self, table: str, needed: tuple[str, ...]) -> NoData | None:
        if table not in self.columns:
            return NoData(table, "missing")
        absent = [c for c in needed if c not in self.columns[table]]
        return NoData(table, "schema", ", ".join(absent)) if absent else None

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    def scalar(self, sql: str, params: list[Any] | None = None) -> Any:
        row = self.con.execute(sql, params or []).fetchall()
        return row[0][0] if row else None

    def latest(self, table: str, column: str) -> date | None:
        """The newest ``column`` date on or before the week's end."""
        if self.lacks(table, (column,)):
            return None
        return _as_date(self.scalar(f"SELECT max({column}) FROM {table} WHERE {column} <= ?", [self.end]))


def _as_date(value: Any) -> date | None:
    if value is None:
        return None
    return value.date() if isinstance(value, datetime) else value


_RANK_COLUMNS = ("as_of", "profile", "model_id", "rank", "total_score", "tie_group", "rank_change", "status",
                 "missing_policy", "series_id",
                 "license", "commercial_use", "pareto", "quality", "params", "embed_dim")
_TREND_ROW = ("model_id", "downloads_7d", "downloads_28d", "wow_growth", "momentum", "anomaly", "rank",
              "rank_change")
_TREND_COLUMNS = ("as_of", *_TREND_ROW, "downloads_30d", "first_seen", "new_entrant")
_BOARD_COLUMNS = ("snapshot_date", "protocol", "model_name", "model_id", "mean_task", "mean_task_type",
                  *TYPE_COLUMNS, "n_tasks", "tasks_expected", "borda_rank")
_CMTEB_TABLES = {
    "cmteb_snapshots": ("snapshot_date", "source", "source_version", "previous_date"),
    "cmteb_leaderboard": _BOARD_COLUMNS,
    "cmteb_models": ("snapshot_date", "model_name", "model_id", "family_id", "n_tasks_cmn"),
    "cmteb_changes": ("snapshot_date", "change_type", "protocol", "model_name", "old_rank", "new_rank"),
}
_SMOKE_COLUMNS = ("run_id", "snapshot_date", "tested_at", "model_id", "revision", "status", "failure_class", "load_seconds",
                  "sentences_per_second", "embedding_dim", "peak_rss_mb", "unk_rate", "checks", "error",
                  "batch_size", "threads", "hardware")
_CRITERIA_COLUMNS = ("as_of", "profile", "model_id", "criterion", "raw_value", "score", "weight", "missing",
                     "estimated")


def report_week(con: duckdb.DuckDBPyConnection) -> str | None:
    """The latest week with data: the week of the newest ranking, else of the newest Hub snapshot."""
    wh = _Warehouse(con, date.max)
    for table, column in (("rankings", "as_of"), ("model_snapshots", "snapshot_date")):
        if not wh.lacks(table, (column,)):
            week = latest_week([_as_date(wh.scalar(f"SELECT max({column}) FROM {table}"))])
            if week:
                return week
    return None


def gather(con: duckdb.DuckDBPyConnection, week: str, cfg: Config) -> ReportData:
    """Read every section of the report for ``week`` from an open (read-only) connection."""
    start, end = parse_week(week)
    wh = _Warehouse(con, end)
    hub_date = wh.latest("model_snapshots", "snapshot_date")
    rank_date = wh.latest("rankings", "as_of") if not wh.lacks("rankings", _RANK_COLUMNS) else None
    profiles = _ordered_profiles(cfg, _profiles_at(wh, rank_date))
    primary_profile = profiles[0] if profiles else None
    primary = _ranking_order(wh, rank_date, primary_profile)
    board, full_board = _leaderboard(wh, cfg, start, hub_date)
    charts = Charts(
        downloads=_download_series(wh, primary),
        quality_size=_quality_points(wh, rank_date, primary_profile),
        bump=_bump(wh, rank_date, primary_profile, primary),
        type_profile=_type_profile(full_board, primary) if full_board else _no_board(board),
    )
    return ReportData(
        week=week,
        headline=_headline(wh, cfg, rank_date, profiles),
        movers=_movers(wh, start),
        leaderboard=board,
        smoke=_smoke(wh),
        compare=_compare(wh, rank_date, primary_profile, primary),
        method=_method(wh, cfg, week, start, hub_date, rank_date, primary_profile, primary, board),
        charts=charts,
    )


def _profiles_at(wh: _Warehouse, as_of: date | None) -> list[str]:
    if as_of is None:
        return []
    return [r["profile"] for r in wh.rows(
        "SELECT DISTINCT profile FROM rankings WHERE as_of = ? AND rank IS NOT NULL ORDER BY 1", [as_of])]


def _ordered_profiles(cfg: Config, stored: list[str]) -> list[str]:
    """Configured profiles first, in configuration order, then any others the warehouse holds. The first
    is the report's primary profile (``balanced`` by default)."""
    known = [p for p in cfg.profiles if p in stored]
    return known + sorted(p for p in stored if p not in cfg.profiles)


def _ranking_order(wh: _Warehouse, as_of: date | None, profile: str | None) -> list[str]:
    if profile is None:
        return []
    rows = wh.rows("SELECT model_id FROM rankings WHERE as_of = ? AND profile = ? AND rank IS NOT NULL"
                   " ORDER BY rank, model_id", [as_of, profile])
    return [r["model_id"] for r in rows]


def _headline(wh: _Warehouse, cfg: Config, as_of: date | None, profiles: list[str]) -> Headline | NoData:
    missing = wh.lacks("rankings", _RANK_COLUMNS)
    if missing:
        return missing
    if as_of is None:
        return NoData("rankings", "empty")
    out = []
    for profile in profiles:
        rows = wh.rows(
            "SELECT rank, model_id, total_score, tie_group, rank_change, license, commercial_use, pareto, quality,"
            " coalesce(series_id, model_id) AS series FROM rankings WHERE as_of = ? AND profile = ?"
            " AND rank IS NOT NULL ORDER BY rank, model_id",
            [as_of, profile],
        )
        not_ranked = {r["status"]: int(r["n"]) for r in wh.rows(
            "SELECT status, count(*) AS n FROM rankings WHERE as_of = ? AND profile = ? AND rank IS NULL"
            " GROUP BY status ORDER BY status", [as_of, profile])}
        groups: dict[int, list[int]] = {}
        for r in rows:
            if r["tie_group"] is not None:
                groups.setdefault(r["tie_group"], []).append(r["rank"])
        sizes: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            sizes.setdefault(r["series"], []).append(r)
        firsts = [r for r in rows if sizes[r["series"]][0] is r]
        top = [
            RankedModel(
                rank=r["rank"], model_id=r["model_id"], total_score=r["total_score"], rank_change=r["rank_change"],
                tie_ranks=(min(g), max(g)) if len(g := groups.get(r["tie_group"], [])) > 1 else None,
                license=r["license"], commercial_use=r["commercial_use"], pareto=r["pareto"], quality=r["quality"],
                other_sizes=tuple((o["model_id"], o["rank"]) for o in sizes[r["series"]][1:]),
            )
            for r in firsts[: cfg.report.top_n]
        ]
        description = cfg.profiles[profile].description if profile in cfg.profiles else ""
        out.append(ProfileTop(profile, description, len(rows), not_ranked, top))
    popular = [] if wh.lacks("popular_not_benchmarked", ("as_of", "model_id", "popularity_rank")) else wh.rows(
        "SELECT model_id, downloads_30d, cmteb_tasks, params, license FROM popular_not_benchmarked"
        " WHERE as_of = ? ORDER BY popularity_rank, model_id", [as_of])
    return Headline(as_of, out, [PopularRow(**r) for r in popular[:LIST_LIMIT]], len(popular))


def _trend_row(r: dict[str, Any]) -> TrendRow:
    return TrendRow(
        model_id=r["model_id"], downloads_7d=r["downloads_7d"], downloads_28d=r["downloads_28d"],
        wow_growth=r["wow_growth"], momentum=r["momentum"], anomaly=r["anomaly"],
        rank=r["rank"], rank_change=r["rank_change"],
    )


def _movers(wh: _Warehouse, start: date) -> Movers | NoData:
    missing = wh.lacks("download_trends", _TREND_COLUMNS)
    if missing:
        return missing
    as_of = wh.latest("download_trends", "as_of")
    if as_of is None:
        return NoData("download_trends", "empty")
    cols = ", ".join(_TREND_ROW)
    growth = wh.rows(
        f"SELECT {cols} FROM download_trends WHERE as_of = ? AND wow_growth > 0 AND downloads_7d >= ?"
        " AND anomaly IS NULL ORDER BY wow_growth DESC, model_id LIMIT ?",
        [as_of, MIN_WEEKLY_DOWNLOADS, LIST_LIMIT],
    )
    fading = wh.rows(
        f"SELECT {cols} FROM download_trends WHERE as_of = ? AND momentum IN ('fading', 'cooling')"
        " ORDER BY momentum DESC, wow_growth NULLS LAST, model_id LIMIT ?",
        [as_of, LIST_LIMIT],
    )
    anomalies = wh.rows(
        f"SELECT {cols} FROM download_trends WHERE as_of = ? AND anomaly IS NOT NULL ORDER BY model_id", [as_of])
    # Every snapshot of the week counts: a model first listed on Tuesday is new even if Sunday's row is later.
    entrants = wh.rows(
        "SELECT model_id, first_seen, arg_max(downloads_30d, as_of) AS downloads_30d FROM download_trends"
        " WHERE as_of BETWEEN ? AND ? AND new_entrant GROUP BY model_id, first_seen"
        " ORDER BY downloads_30d DESC NULLS LAST, model_id",
        [start, wh.end],
    )
    return Movers(
        as_of=as_of,
        growth=[_trend_row(r) for r in growth],
        new_entrants=[NewEntrant(r["model_id"], r["first_seen"], r["downloads_30d"]) for r in entrants[:LIST_LIMIT]],
        n_new=len(entrants),
        fading=[_trend_row(r) for r in fading],
        anomalies=[_trend_row(r) for r in anomalies[:LIST_LIMIT]],
        n_anomalies=len(anomalies),
    )




def _board_row(r: dict[str, Any]) -> BoardRow:
    return BoardRow(
        model_name=r["model_name"], model_id=r["model_id"], mean_task=r["mean_task"],
        mean_task_type=r["mean_task_type"], types={t: r[t] for t in TYPE_COLUMNS},
        n_tasks=r["n_tasks"], tasks_expected=r["tasks_expected"], borda_rank=r["borda_rank"],
    )


def _no_board(board: Leaderboard | NoData) -> NoData:
    return board if isinstance(board, NoData) else NoData("cmteb_leaderboard", "empty")


def _leaderboard(wh: _Warehouse, cfg: Config, start: date, hub_date: date | None
                 ) -> tuple[Leaderboard | NoData, list[BoardRow]]:
    """The leaderboard section, and the whole board under the configured protocol for the type chart.
    Week-over-week changes come from ``cmteb_changes``, as the C-MTEB flow computed them; the gaps apply
    the ``cmteb_gap_*`` views' rules as of the week (the views answer for today)."""
    for table, columns in _CMTEB_TABLES.items():
        missing = wh.lacks(table, columns)
        if missing:
            return missing, []
    protocol = cfg.scores.protocol
    snapshots = wh.rows("SELECT snapshot_date, source_version, previous_date FROM cmteb_snapshots"
                        " WHERE snapshot_date <= ? ORDER BY snapshot_date", [wh.end])
    if not snapshots:
        return NoData("cmteb_snapshots", "empty"), []
    current = snapshots[-1]
    day = current["snapshot_date"]
    stored = [r["protocol"] for r in wh.rows(
        "SELECT DISTINCT protocol FROM cmteb_leaderboard WHERE snapshot_date = ? ORDER BY 1", [day])]
    if protocol not in stored:
        return NoData("cmteb_leaderboard", "protocol", ", ".join(stored)), []
    this_week = [r for r in snapshots if r["snapshot_date"] >= start]
    cols = ", ".join(_BOARD_COLUMNS[2:])
    board = [_board_row(r) for r in wh.rows(
        f"SELECT {cols} FROM cmteb_leaderboard WHERE snapshot_date = ? AND protocol = ?"
        " ORDER BY borda_rank, model_name", [day, protocol])]
    by_name = {b.model_name: b for b in board}
    gained = wh.rows(
        "SELECT model_name, bool_or(change_type = 'new_model') AS new_model,"
        " count(*) FILTER (WHERE change_type = 'new_result') AS new_results,"
        " count(*) FILTER (WHERE change_type = 'changed_result') AS changed_results,"
        " bool_or(change_type = 'mean_gained' AND protocol = ?) AS mean_gained"
        " FROM cmteb_changes WHERE snapshot_date BETWEEN ? AND ?"
        " AND change_type IN ('new_model', 'new_result', 'changed_result', 'mean_gained') GROUP BY model_name",
        [protocol, start, wh.end],
    )
    new_results = sorted(
        (NewResult(r["model_name"], bool(r["new_model"]), int(r["new_results"]), int(r["changed_results"]),
                   bool(r["mean_gained"]), getattr(by_name.get(r["model_name"]), "mean_task", None),
                   getattr(by_name.get(r["model_name"]), "borda_rank", None)) for r in gained),
        key=lambda n: (not n.new_model, not n.mean_gained, -n.new_results, n.model_name),
    )
    moves = sorted(
        (RankMove(r["model_name"], r["old_rank"], r["new_rank"]) for r in wh.rows(
            "SELECT model_name, arg_min(old_rank, snapshot_date) AS old_rank, arg_max(new_rank, snapshot_date) AS new_rank"
            " FROM cmteb_changes WHERE snapshot_date BETWEEN ? AND ? AND change_type = 'rank_move' AND protocol = ?"
            " GROUP BY model_name", [start, wh.end, protocol])
         if r["old_rank"] != r["new_rank"]),
        key=lambda m: (-abs(m.old_rank - m.new_rank), m.new_rank, m.model_name),
    )
    gaps: list[GapRow] = []
    if hub_date is not None and not wh.lacks("models", ("model_id", "family_id")):
        gaps = [GapRow(r["model_id"], r["downloads_30d"]) for r in wh.rows(
            "SELECT s.model_id, s.downloads_30d FROM model_snapshots s JOIN models m USING (model_id)"
            f" WHERE s.snapshot_date = ? AND m.family_id = m.model_id{_NOT_FIXTURE} AND NOT EXISTS ("
            "  SELECT 1 FROM cmteb_models c WHERE c.snapshot_date = ? AND c.n_tasks_cmn > 0"
            "  AND (c.model_id = s.model_id OR c.family_id = m.family_id))"
            " ORDER BY s.downloads_30d DESC NULLS LAST, s.model_id", [hub_date, day])]
    unknown = [UnknownRow(r["model_name"], r["n_tasks_cmn"], r["mean_task"], r["borda_rank"]) for r in wh.rows(
        "SELECT c.model_name, c.n_tasks_cmn, lb.mean_task, lb.borda_rank FROM cmteb_models c"
        " LEFT JOIN cmteb_leaderboard lb ON lb.snapshot_date = c.snapshot_date AND lb.model_name = c.model_name"
        " AND lb.protocol = ? WHERE c.snapshot_date = ? AND c.model_id IS NULL AND c.n_tasks_cmn > 0"
        " ORDER BY c.n_tasks_cmn DESC, lb.borda_rank NULLS LAST, c.model_name", [protocol, day])]
    section = Leaderboard(
        protocol=protocol, snapshot_date=day, source_version=current["source_version"],
        previous_date=this_week[0]["previous_date"] if this_week else None, new_this_week=bool(this_week),
        n_models=len(board), n_full_mean=sum(b.mean_task is not None for b in board),
        top=board[:LIST_LIMIT], new_results=new_results[:LIST_LIMIT], rank_moves=moves[:LIST_LIMIT],
        popular_unevaluated=gaps[:LIST_LIMIT], n_popular_unevaluated=len(gaps),
        evaluated_unknown=unknown[:LIST_LIMIT], n_evaluated_unknown=len(unknown),
    )
    return section, board


_NOT_FIXTURE = " AND NOT coalesce(m.fixture, false)"
"""The pipeline's own test repositories (``models.fixture``, migration 005) are no coverage gap."""


def failed_checks(checks: Any) -> tuple[str, ...]:
    """Names of the failed checks in a ``smoke_results.checks`` value, ``[{name, backend, passed, ...}]``
    (JSON text or parsed); a check that failed on both backends is named once."""
    if isinstance(checks, str):
        try:
            checks = json.loads(checks)
        except ValueError:
            return ()
    if not isinstance(checks, list):
        return ()
    return tuple(sorted({str(c.get("name")) for c in checks if isinstance(c, dict) and c.get("passed") is False}))


def _setup(row: dict[str, Any]) -> str:
    hardware = row["hardware"]
    if isinstance(hardware, str):
        try:
            hardware = json.loads(hardware)
        except ValueError:
            hardware = {}
    cpu = hardware.get("cpu") if isinstance(hardware, dict) else None
    parts = [str(cpu) if cpu else None,
             f"threads={row['threads']}" if row["threads"] else None,
             f"batch={row['batch_size']}" if row["batch_size"] else None]
    return ", ".join(p for p in parts if p)


def _smoke(wh: _Warehouse) -> Smoke | NoData:
    missing = wh.lacks("smoke_results", _SMOKE_COLUMNS)
    if missing:
        return missing
    cols = ", ".join(_SMOKE_COLUMNS)
    # The latest test of each model by the Hub snapshot it belongs to; a later "skipped" (size budget) or
    # "unavailable" (weights not served) does not hide an earlier result.
    rows = wh.rows(
        f"SELECT {cols} FROM smoke_results WHERE snapshot_date <= ?"
        " QUALIFY row_number() OVER (PARTITION BY model_id"
        " ORDER BY status IN ('skipped', 'unavailable'), snapshot_date DESC, tested_at DESC, run_id DESC) = 1",
        [wh.end],
    )
    if not rows:
        return NoData("smoke_results", "empty")
    rows.sort(key=lambda r: (status_rank(r["status"]), -(r["sentences_per_second"] or 0), r["model_id"]))
    out = [
        SmokeRow(
            model_id=r["model_id"], revision=r["revision"], snapshot_date=r["snapshot_date"],
            tested_at=r["tested_at"], status=str(r["status"]),
            failure_class=r["failure_class"], load_seconds=r["load_seconds"],
            sentences_per_second=r["sentences_per_second"], embedding_dim=r["embedding_dim"],
            peak_rss_mb=r["peak_rss_mb"], unk_rate=r["unk_rate"], failed_checks=failed_checks(r["checks"]),
            error=r["error"],
        )
        for r in rows
    ]
    counts: dict[str, int] = {}
    for row in out:
        counts[row.status] = counts.get(row.status, 0) + 1
    latest_pass = max((r for r in rows if r["status"] == "passed"),
                      key=lambda r: (r["snapshot_date"], r["tested_at"], r["model_id"]), default=None)
    return Smoke(rows=out, counts=counts, setup=_setup(latest_pass) if latest_pass else None)


def _compare(wh: _Warehouse, as_of: date | None, profile: str | None, primary: list[str]) -> Compare | NoData:
    missing = wh.lacks("criteria_scores", _CRITERIA_COLUMNS)
    if missing:
        return missing
    if as_of is None or profile is None:
        return NoData("rankings", "empty")
    models = primary[:COMPARE_N]
    rows = wh.rows(
        "SELECT c.model_id, c.criterion, c.raw_value, c.score, c.weight, c.missing, c.estimated, r.total_score"
        " FROM criteria_scores c JOIN rankings r USING (as_of, profile, model_id)"
        " WHERE c.as_of = ? AND c.profile = ? AND list_contains(?, c.model_id) ORDER BY c.model_id, c.criterion",
        [as_of, profile, models],
    )
    if not rows:
        return NoData("criteria_scores", "empty")
    return Compare(
        profile=profile, as_of=as_of, models=models,
        weights={r["criterion"]: r["weight"] for r in rows if r["weight"] is not None},
        cells={(r["model_id"], r["criterion"]): CriterionCell(r["score"], r["raw_value"], bool(r["missing"]),
                                                             bool(r["estimated"])) for r in rows},
        totals={r["model_id"]: r["total_score"] for r in rows},
    )


def _hub_source(wh: _Warehouse, hub_date: date | None) -> tuple[str | None, str | None]:
    """(endpoint, kind) of the week's Hub snapshot, as recorded in ``hub_snapshots``: the Hub, a mirror or
    the replay Hub, as the source said of itself."""
    if hub_date is None or wh.lacks("hub_snapshots", ("snapshot_date", "endpoint", "source_kind")):
        return None, None
    rows = wh.rows("SELECT endpoint, source_kind FROM hub_snapshots WHERE snapshot_date = ?", [hub_date])
    return (rows[0]["endpoint"], rows[0]["source_kind"]) if rows else (None, None)


def _estimated(wh: _Warehouse, as_of: date | None, profile: str | None, models: list[str]) -> dict[str, list[str]]:
    """Per criterion, which of ``models`` have a derived rather than measured value (in ranking order)."""
    if as_of is None or profile is None or wh.lacks("criteria_scores", _CRITERIA_COLUMNS):
        return {}
    rows = wh.rows("SELECT criterion, model_id FROM criteria_scores WHERE as_of = ? AND profile = ?"
                   " AND estimated AND NOT missing AND list_contains(?, model_id)", [as_of, profile, models])
    out: dict[str, list[str]] = {}
    for criterion in CRITERIA:
        hits = {r["model_id"] for r in rows if r["criterion"] == criterion}
        if hits:
            out[criterion] = [m for m in models if m in hits]
    return out


def _weights(wh: _Warehouse, cfg: Config, as_of: date | None) -> dict[str, dict[str, float]]:
    stored: dict[str, dict[str, float]] = {}
    if as_of is not None and not wh.lacks("criteria_scores", _CRITERIA_COLUMNS):
        for r in wh.rows("SELECT profile, criterion, max(weight) AS weight FROM criteria_scores WHERE as_of = ?"
                         " GROUP BY ALL", [as_of]):
            stored.setdefault(r["profile"], {})[r["criterion"]] = r["weight"] or 0.0
    if not stored:
        stored = {name: dict(p.weights) for name, p in cfg.profiles.items()}
    return {p: {c: stored[p].get(c, 0.0) for c in CRITERIA} for p in _ordered_profiles(cfg, list(stored))}


def _method(wh: _Warehouse, cfg: Config, week: str, start: date, hub_date: date | None,
            rank_date: date | None, primary_profile: str | None, primary: list[str],
            board: Leaderboard | NoData) -> Method:
    hub_source, hub_kind = _hub_source(wh, hub_date)
    smoke_latest = wh.latest("smoke_results", "snapshot_date")
    issues: list[tuple[str, str, int]] = []
    if not wh.lacks("data_issues", ("snapshot_date", "source", "action")):
        issues = [(r["source"], r["action"], int(r["n"])) for r in wh.rows(
            "SELECT source, action, count(*) AS n FROM data_issues WHERE snapshot_date BETWEEN ? AND ?"
            " GROUP BY ALL ORDER BY source, action", [start, wh.end])]
    return Method(
        week=week, week_start=start, week_end=wh.end, hub_snapshot=hub_date, hub_source=hub_source,
        mteb_snapshot=board.snapshot_date if isinstance(board, Leaderboard) else None,
        mteb_source=board.source_version if isinstance(board, Leaderboard) else None,
        trends_as_of=wh.latest("download_trends", "as_of"), rankings_as_of=rank_date,
        smoke_latest=smoke_latest, protocol=cfg.scores.protocol,
        missing_policy=wh.scalar("SELECT min(missing_policy) FROM rankings WHERE as_of = ?", [rank_date])
        if rank_date else cfg.scores.missing_policy,
        primary_profile=primary_profile,
        weights=_weights(wh, cfg, rank_date),
        estimated=_estimated(wh, rank_date, primary_profile, primary[: cfg.report.top_n]),
        hub_kind=hub_kind,
        synthetic=synthetic_in(wh.con, wh.end),
        data_issues=issues,
    )


def _download_series(wh: _Warehouse, primary: list[str]) -> list[DownloadSeries] | NoData:
    missing = wh.lacks("download_trends", _TREND_COLUMNS)
    if missing:
        return missing
    as_of = wh.latest("download_trends", "as_of")
    if as_of is None:
        return NoData("download_trends", "empty")
    models = primary[:CHART_MODELS] or [r["model_id"] for r in wh.rows(
        "SELECT model_id FROM download_trends WHERE as_of = ? ORDER BY downloads_7d DESC NULLS LAST, model_id"
        " LIMIT ?", [as_of, CHART_MODELS])]
    dates = [_as_date(r["as_of"]) for r in wh.rows(
        "SELECT DISTINCT as_of FROM download_trends WHERE as_of <= ?", [as_of])]
    weeks = one_per_week(dates)[-HISTORY_WEEKS:]
    rows = wh.rows(
        "SELECT model_id, as_of, downloads_7d, anomaly IS NOT NULL AS anomalous FROM download_trends"
        " WHERE list_contains(?, as_of) AND list_contains(?, model_id) ORDER BY model_id, as_of",
        [weeks, models],
    )
    by_model: dict[str, list[tuple[date, float | None, bool]]] = {}
    for r in rows:
        by_model.setdefault(r["model_id"], []).append((r["as_of"], r["downloads_7d"], bool(r["anomalous"])))
    series = [DownloadSeries(m, by_model[m]) for m in models if m in by_model]
    return series or NoData("download_trends", "empty")


def _quality_points(wh: _Warehouse, as_of: date | None, profile: str | None) -> list[QualityPoint] | NoData:
    """The primary profile's ranked models with a known quality and size, and the rankings' own Pareto flag
    (quality against parameters and dimension)."""
    missing = wh.lacks("rankings", _RANK_COLUMNS)
    if missing:
        return missing
    if as_of is None or profile is None:
        return NoData("rankings", "empty")
    points = [QualityPoint(r["model_id"], r["quality"], r["params"], r["embed_dim"], bool(r["pareto"]))
              for r in wh.rows(
                  "SELECT model_id, quality, params, embed_dim, pareto FROM rankings WHERE as_of = ? AND profile = ?"
                  " AND rank IS NOT NULL AND quality IS NOT NULL AND params > 0 ORDER BY rank, model_id",
                  [as_of, profile])]
    return points or NoData("rankings", "empty")


def _bump(wh: _Warehouse, as_of: date | None, profile: str | None, primary: list[str]) -> list[RankSeries] | NoData:
    missing = wh.lacks("rankings", _RANK_COLUMNS)
    if missing:
        return missing
    if as_of is None or profile is None:
        return NoData("rankings", "empty")
    dates = [_as_date(r["as_of"]) for r in wh.rows(
        "SELECT DISTINCT as_of FROM rankings WHERE as_of <= ? AND profile = ?", [as_of, profile])]
    weeks = one_per_week(dates)[-HISTORY_WEEKS:]
    models = primary[:BUMP_MODELS]
    rows = wh.rows(
        "SELECT model_id, as_of, rank FROM rankings WHERE profile = ? AND list_contains(?, as_of)"
        " AND list_contains(?, model_id) ORDER BY model_id, as_of",
        [profile, weeks, models],
    )
    ranks = {(r["model_id"], r["as_of"]): r["rank"] for r in rows}
    return [RankSeries(m, [(w, ranks.get((m, w))) for w in weeks]) for m in models]


def _type_profile(board: list[BoardRow], primary: list[str]) -> list[BoardRow] | NoData:
    """The best-ranked models (primary profile order, else board order) that have all six type scores."""
    complete = {b.model_id: b for b in board
                if b.model_id is not None and all(v is not None for v in b.types.values())}
    order = primary or [b.model_id for b in board if b.model_id is not None]
    rows = [complete[m] for m in order if m in complete][:COMPARE_N]
    return rows or NoData("cmteb_leaderboard", "empty")
