"""What a weekly report contains: one plain, immutable value per section, filled by
:mod:`pipeline.report.data` and worded by :mod:`pipeline.report.sections`.

A section is either its value or :class:`NoData`, which says why it is empty (no table yet, an older
schema, no rows for the week), so the report can print the reason instead of failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from pipeline.provenance import Synthetic
from pipeline.smoke.result import STATUSES

TYPE_COLUMNS: tuple[str, ...] = (
    "retrieval", "reranking", "pair_classification", "classification", "clustering", "sts",
)
"""The six C-MTEB task-type columns of ``cmteb_leaderboard``, in the leaderboard's order."""

SMOKE_STATUSES: tuple[str, ...] = STATUSES
"""``smoke_results.status`` values, in the order the report lists them."""


def status_rank(status: str) -> int:
    """Position of a smoke status in :data:`SMOKE_STATUSES` (unknown values last)."""
    return SMOKE_STATUSES.index(status) if status in SMOKE_STATUSES else len(SMOKE_STATUSES)


@dataclass(frozen=True)
class NoData:
    """A section with nothing to show: ``reason`` is ``missing`` (no table), ``schema`` (columns
    missing; ``detail`` names them), ``empty`` (no rows dated on or before the week) or ``protocol``
    (no rows for the configured protocol; ``detail`` lists the stored ones)."""

    table: str
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class RankedModel:
    rank: int
    model_id: str
    total_score: float | None
    rank_change: int | None
    tie_ranks: tuple[int, int] | None
    """First and last rank of the model's tie group when it is shared, else None."""
    license: str | None
    commercial_use: bool | None
    pareto: bool | None
    quality: float | None = None
    """The profile's C-MTEB measure (0-100): the ranking's first key in a quality-first profile."""
    other_sizes: tuple[tuple[str, int], ...] = ()
    """Other ranked sizes of the model's series: (model id, rank)."""


@dataclass(frozen=True)
class PopularRow:
    """A much downloaded model that no profile ranks: it has no complete C-MTEB result."""

    model_id: str
    downloads_30d: int | None
    cmteb_tasks: int
    params: int | None
    license: str | None


@dataclass(frozen=True)
class ProfileTop:
    profile: str
    description: str
    n_ranked: int
    not_ranked: dict[str, int]
    """Models scored but not placed, per ``rankings.status`` (family_duplicate, licence_gate, ...)."""
    rows: list[RankedModel]


@dataclass(frozen=True)
class Headline:
    as_of: date
    profiles: list[ProfileTop]
    not_benchmarked: list[PopularRow] = field(default_factory=list)
    n_not_benchmarked: int = 0


@dataclass(frozen=True)
class TrendRow:
    model_id: str
    downloads_7d: float | None
    downloads_28d: float | None
    wow_growth: float | None
    momentum: str | None
    anomaly: str | None
    rank: int | None
    rank_change: int | None


@dataclass(frozen=True)
class NewEntrant:
    model_id: str
    first_seen: date
    downloads_30d: int | None


@dataclass(frozen=True)
class Movers:
    as_of: date
    growth: list[TrendRow]
    new_entrants: list[NewEntrant]
    n_new: int
    fading: list[TrendRow]
    anomalies: list[TrendRow]
    n_anomalies: int


@dataclass(frozen=True)
class BoardRow:
    model_name: str
    model_id: str | None
    mean_task: float | None
    mean_task_type: float | None
    types: dict[str, float | None]
    n_tasks: int
    tasks_expected: int
    borda_rank: int


@dataclass(frozen=True)
class NewResult:
    """What a model gained on C-MTEB during the week (from ``cmteb_changes``)."""

    model_name: str
    new_model: bool
    new_results: int
    changed_results: int
    mean_gained: bool
    mean_task: float | None
    borda_rank: int | None


@dataclass(frozen=True)
class RankMove:
    model_name: str
    old_rank: int
    new_rank: int


@dataclass(frozen=True)
class GapRow:
    model_id: str
    downloads_30d: int | None


@dataclass(frozen=True)
class UnknownRow:
    model_name: str
    n_tasks: int
    mean_task: float | None
    borda_rank: int | None


@dataclass(frozen=True)
class Leaderboard:
    protocol: str
    snapshot_date: date
    source_version: str
    previous_date: date | None
    """The snapshot this week's changes are measured against (None: no new snapshot, or the first)."""
    new_this_week: bool
    n_models: int
    n_full_mean: int
    top: list[BoardRow]
    new_results: list[NewResult]
    rank_moves: list[RankMove]
    popular_unevaluated: list[GapRow]
    n_popular_unevaluated: int
    evaluated_unknown: list[UnknownRow]
    n_evaluated_unknown: int


@dataclass(frozen=True)
class SmokeRow:
    model_id: str
    revision: str | None
    snapshot_date: date
    """The Hub snapshot the test belongs to (the replayed date in ``radar demo``)."""
    tested_at: datetime
    status: str
    """``passed``, ``failed``, ``unavailable`` (weights not served by the endpoint), ``refused`` (not loaded,
    for safety) or ``skipped`` (not tested), as stored."""
    failure_class: str | None
    load_seconds: float | None
    sentences_per_second: float | None
    embedding_dim: int | None
    peak_rss_mb: float | None
    unk_rate: float | None
    failed_checks: tuple[str, ...]
    error: str | None


@dataclass(frozen=True)
class Smoke:
    rows: list[SmokeRow]
    """Every model's latest test; the report lists the ``unavailable`` ones apart from the tested ones."""
    counts: dict[str, int]
    """Models per status (they add up to the number of rows)."""
    setup: str | None
    """Where the speeds were measured: CPU, threads and batch size of the latest passed test."""


@dataclass(frozen=True)
class CriterionCell:
    score: float | None
    raw_value: float | None
    missing: bool
    """No data: shown as unknown (under ``penalise`` the score is the penalty, never a measured zero)."""
    estimated: bool


@dataclass(frozen=True)
class Compare:
    profile: str
    as_of: date
    models: list[str]
    weights: dict[str, float]
    cells: dict[tuple[str, str], CriterionCell]
    totals: dict[str, float | None]


@dataclass(frozen=True)
class Method:
    week: str
    week_start: date
    week_end: date
    hub_snapshot: date | None
    hub_source: str | None
    mteb_snapshot: date | None
    mteb_source: str | None
    trends_as_of: date | None
    rankings_as_of: date | None
    smoke_latest: date | None
    protocol: str
    missing_policy: str
    primary_profile: str | None
    weights: dict[str, dict[str, float]]
    """Per profile, the criterion weights the ranking used (from ``criteria_scores``; the configuration's
    when no scores are stored)."""
    estimated: dict[str, list[str]]
    """Per criterion, the primary profile's top-N models whose value is derived, not measured."""
    hub_kind: str | None
    """``hub``, ``mirror``, ``replay`` or ``unknown``: what produced the week's Hub snapshot (hub_snapshots)."""
    synthetic: Synthetic | None
    """The synthetic Hub values behind what the report shows (``None``: none), for the banner."""
    data_issues: list[tuple[str, str, int]]


@dataclass(frozen=True)
class DownloadSeries:
    model_id: str
    points: list[tuple[date, float | None, bool]]
    """(as_of, downloads_7d, anomalous) per week."""


@dataclass(frozen=True)
class QualityPoint:
    model_id: str
    quality: float
    params: int
    embed_dim: int | None
    pareto: bool


@dataclass(frozen=True)
class RankSeries:
    model_id: str
    points: list[tuple[date, int | None]]


@dataclass(frozen=True)
class Charts:
    downloads: list[DownloadSeries] | NoData
    quality_size: list[QualityPoint] | NoData
    bump: list[RankSeries] | NoData
    type_profile: list[BoardRow] | NoData


@dataclass(frozen=True)
class ReportData:
    week: str
    headline: Headline | NoData
    movers: Movers | NoData
    leaderboard: Leaderboard | NoData
    smoke: Smoke | NoData
    compare: Compare | NoData
    method: Method
    charts: Charts
