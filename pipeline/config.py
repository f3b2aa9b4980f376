"""Configuration: one TOML file (``radar.toml``), environment overrides, fail-fast validation.

Everything a user may want to change without touching code lives here: the Hub queries, the criteria
weight profiles, the smoke-test limits, paths and the report language. Invalid values raise
:class:`ConfigError` naming the offending key, so a typo fails at start-up instead of mid-run.

Precedence (highest first): explicit arguments (CLI flags), environment variables, the TOML file, the
defaults below. The documented example is ``radar.toml`` at the repository root.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

CRITERIA: tuple[str, ...] = (
    "performance",
    "speed",
    "dimension",
    "fit",
    "training",
    "scalability",
    "compatibility",
    "community",
)
"""The eight selection criteria, in the order the manual process lists them."""

CRITERIA_ZH: dict[str, str] = {
    "performance": "模型性能",
    "speed": "处理速度",
    "dimension": "向量维度",
    "fit": "适用性",
    "training": "训练数据和方法",
    "scalability": "可扩展性",
    "compatibility": "兼容性",
    "community": "社区和支持",
}


TASK_TYPES: tuple[str, ...] = (
    "Retrieval",
    "Reranking",
    "STS",
    "PairClassification",
    "Classification",
    "Clustering",
)
"""The six C-MTEB task types, the keys of a profile's ``task_weights``."""


class ConfigError(ValueError):
    """A configuration value is missing or invalid; the message names the key."""


@dataclass(frozen=True)
class HubQuery:
    """One ``GET /api/models`` query. Results of all queries are unioned and de-duplicated."""

    name: str
    filter: tuple[str, ...] = ()
    search: str | None = None
    pipeline_tag: str | None = None
    author: str | None = None
    sort: str = "downloads"


DEFAULT_QUERIES: tuple[HubQuery, ...] = (
    # The blog's manual process: language Chinese, search "embedding", sort by downloads.
    HubQuery(name="zh-embedding", filter=("zh",), search="embedding"),
    HubQuery(name="zh-sentence-similarity", filter=("zh",), pipeline_tag="sentence-similarity"),
    HubQuery(name="zh-feature-extraction", filter=("zh",), pipeline_tag="feature-extraction"),
    HubQuery(name="zh-sentence-transformers", filter=("zh", "sentence-transformers")),
)

EXPAND_FIELDS: tuple[str, ...] = (
    "author",
    "downloads",
    "downloadsAllTime",
    "likes",
    "trendingScore",
    "createdAt",
    "lastModified",
    "library_name",
    "pipeline_tag",
    "tags",
    "cardData",
    "safetensors",
    "gated",
    "disabled",
    "sha",
)
"""Model properties requested with ``expand=``; enough for every criterion without per-model calls."""


@dataclass(frozen=True)
class HubConfig:
    queries: tuple[HubQuery, ...] = DEFAULT_QUERIES
    page_size: int = 1000
    query_attempts: int = 4
    """Whole-query attempts after the client's own per-request retries give up (truncated pages, broken cursors)."""
    retry_base_seconds: float = 1.0
    timeout_seconds: float = 60.0
    budget_seconds: float = 300.0
    """The most one step (Hub listing, C-MTEB download) spends waiting to retry the Hub before it gives up."""


@dataclass(frozen=True)
class MtebConfig:
    source: str = "hub"
    """``hub`` (the ``mteb/results`` dataset via huggingface_hub) or ``checkout`` (a local results repo)."""
    dataset: str = "mteb/results"
    revision: str = "main"
    checkout_path: str | None = None


@dataclass(frozen=True)
class Profile:
    name: str
    weights: dict[str, float]
    description: str = ""
    license_gate: bool = False
    """Only models whose licence allows commercial use are ranked."""
    task_weights: dict[str, float] = field(default_factory=dict)
    """Per C-MTEB task type weights for the fit criterion (e.g. Retrieval 2, Reranking 1); empty = all equal."""
    context_weight: float = 0.25
    """Share of the fit criterion given to the context length (max tokens), the rest to the task types."""


def _profile(name: str, description: str, weights: dict[str, float], **kw: Any) -> Profile:
    return Profile(name=name, description=description, weights=weights, **kw)


DEFAULT_PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        _profile(
            "balanced",
            "All eight criteria, quality first.",
            {"performance": 3, "speed": 1, "dimension": 1, "fit": 1, "training": 1,
             "scalability": 1, "compatibility": 1, "community": 2},
        ),
        _profile(
            "rag",
            "Retrieval-augmented generation: retrieval and reranking quality first.",
            {"performance": 3, "speed": 1, "dimension": 1, "fit": 4, "training": 1,
             "scalability": 1, "compatibility": 1, "community": 1},
            task_weights={"Retrieval": 3, "Reranking": 2, "STS": 0.5, "PairClassification": 0.5,
                          "Classification": 0, "Clustering": 0},
            context_weight=0.4,
        ),
        _profile(
            "cpu-edge",
            "Small, fast, low-dimension models for CPUs and edge devices.",
            {"performance": 1, "speed": 3, "dimension": 2, "fit": 1, "training": 0,
             "scalability": 3, "compatibility": 1, "community": 1},
        ),
        _profile(
            "commercial",
            "Licence must allow commercial use; otherwise balanced.",
            {"performance": 3, "speed": 1, "dimension": 1, "fit": 1, "training": 1,
             "scalability": 1, "compatibility": 2, "community": 2},
            license_gate=True,
        ),
    )
}


@dataclass(frozen=True)
class ScoresConfig:
    missing_policy: str = "renormalise"
    """``renormalise`` (drop an unknown criterion and rescale the other weights) or ``penalise``."""
    missing_penalty: float = 0.25
    """Score given to an unknown criterion under ``penalise`` (never 0: unknown is not worst)."""
    tie_tolerance: float = 0.01
    """Models whose total scores differ by at most this much from their group's leader are tied."""
    min_coverage: float = 0.7
    """Share of a profile's weight that must be known for a model to be ranked at all (with the built-in
    profiles, a model needs C-MTEB results: the quality criteria carry a third or more of every profile)."""
    max_gap_days: int = 28
    """Downloads between two snapshots further apart than this are unknown, not spread over the gap."""
    protocol: str = "lenient"
    """C-MTEB protocol used for the performance and fit criteria: leaderboard, cpack2023 or lenient."""


@dataclass(frozen=True)
class SmokeConfig:
    top_n: int = 3
    models: tuple[str, ...] = ()
    """Always tested, in addition to the top N of each profile."""
    allow_remote_code: tuple[str, ...] = ()
    allow_pickle: tuple[str, ...] = ()
    max_model_mb: float = 1500.0
    max_run_mb: float = 5000.0
    timeout_seconds: float = 300.0
    download_timeout_seconds: float = 1800.0
    """Wall-time limit of one model's download; the download is aborted mid-stream when it passes."""
    memory_mb: int = 4096
    threads: int = 2
    batch_size: int = 32
    task_runner: str = "threads"
    """``threads`` or ``dask`` (prefect-dask); ``dask_address`` selects a running scheduler."""
    dask_address: str | None = None
    dask_workers: int = 2
    parallel: int = 1
    """Models tested at once by the thread runner; above 1 they compete for the CPU and skew the speed figures."""
    real_models: tuple[str, ...] = ()
    """Models whose embeddings are meaningful, so the semantic similarity check applies."""


@dataclass(frozen=True)
class ReportConfig:
    lang: str = "zh"
    top_n: int = 10


@dataclass(frozen=True)
class NotifyConfig:
    webhook_url: str | None = None


@dataclass(frozen=True)
class Config:
    db: Path = Path("data/radar.duckdb")
    reports_dir: Path = Path("reports")
    cache_dir: Path = Path("data/cache")
    hub: HubConfig = HubConfig()
    mteb: MtebConfig = MtebConfig()
    profiles: dict[str, Profile] = field(default_factory=lambda: dict(DEFAULT_PROFILES))
    scores: ScoresConfig = ScoresConfig()
    smoke: SmokeConfig = SmokeConfig()
    report: ReportConfig = ReportConfig()
    notify: NotifyConfig = NotifyConfig()
    source_path: Path | None = None

    def profile(self, name: str) -> Profile:
        """The named profile, or a clear error listing the known ones."""
        try:
            return self.profiles[name]
        except KeyError:
            raise ConfigError(
                f"profiles.{name}: unknown profile; known: {', '.join(sorted(self.profiles))}"
            ) from None


ENV_OVERRIDES: dict[str, str] = {
    "RADAR_DB": "db",
    "RADAR_REPORTS_DIR": "reports_dir",
    "RADAR_CACHE_DIR": "cache_dir",
    "RADAR_REPORT_LANG": "report.lang",
    "RADAR_WEBHOOK_URL": "notify.webhook_url",
    "RADAR_SMOKE_TOP_N": "smoke.top_n",
    "RADAR_SMOKE_TASK_RUNNER": "smoke.task_runner",
    "RADAR_MTEB_SOURCE": "mteb.source",
    "RADAR_MTEB_CHECKOUT": "mteb.checkout_path",
}
"""Environment variables that override single keys of the file (documented in the README)."""


def load_config(path: str | os.PathLike[str] | None = None, env: dict[str, str] | None = None) -> Config:
    """Load and validate the configuration.

    ``path`` defaults to ``$RADAR_CONFIG``, then ``./radar.toml`` if present, else built-in defaults.
    """
    env = dict(os.environ if env is None else env)
    path = path or env.get("RADAR_CONFIG")
    if path is None and Path("radar.toml").is_file():
        path = "radar.toml"
    raw: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"config: file not found: {p}")
        try:
            raw = tomllib.loads(p.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config: {p} is not valid TOML: {exc}") from None
    for var, key in ENV_OVERRIDES.items():
        if env.get(var):
            _set_dotted(raw, key, env[var])
    cfg = _build(raw)
    return replace(cfg, source_path=Path(path) if path else None)


def _set_dotted(raw: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = raw
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value


_TOP_LEVEL = {"paths", "hub", "mteb", "profiles", "scores", "smoke", "report", "notify"}


def _build(raw: dict[str, Any]) -> Config:
    unknown = set(raw) - _TOP_LEVEL - {"db", "reports_dir", "cache_dir"}
    if unknown:
        raise ConfigError(f"{sorted(unknown)[0]}: unknown section; expected one of {sorted(_TOP_LEVEL)}")
    paths = dict(raw.get("paths", {}))
    for key in ("db", "reports_dir", "cache_dir"):
        if key in raw:
            paths[key] = raw[key]
    base = Config()
    path_kw = {}
    for key, value in paths.items():
        if key not in ("db", "reports_dir", "cache_dir"):
            raise ConfigError(f"paths.{key}: unknown key")
        path_kw[key] = Path(_typed(f"paths.{key}", value, str))

    hub_raw = dict(raw.get("hub", {}))
    queries = base.hub.queries
    if "queries" in hub_raw:
        queries = tuple(_query(i, q) for i, q in enumerate(hub_raw.pop("queries")))
        if not queries:
            raise ConfigError("hub.queries: at least one query is required")
        names = [q.name for q in queries]
        if len(set(names)) != len(names):
            raise ConfigError("hub.queries: query names must be unique")
    hub = _section("hub", HubConfig, hub_raw, queries=queries)
    if not 1 <= hub.page_size <= 1000:
        raise ConfigError("hub.page_size: must be between 1 and 1000")
    if hub.query_attempts < 1:
        raise ConfigError("hub.query_attempts: must be >= 1")
    if not hub.budget_seconds > 0:
        raise ConfigError("hub.budget_seconds: must be > 0")

    mteb = _section("mteb", MtebConfig, dict(raw.get("mteb", {})))
    if mteb.source not in ("hub", "checkout"):
        raise ConfigError("mteb.source: must be 'hub' or 'checkout'")
    if mteb.source == "checkout" and not mteb.checkout_path:
        raise ConfigError("mteb.checkout_path: required when mteb.source = 'checkout'")

    profiles = dict(DEFAULT_PROFILES)
    for name, body in dict(raw.get("profiles", {})).items():
        profiles[name] = _profile_from(name, body)

    scores = _section("scores", ScoresConfig, dict(raw.get("scores", {})))
    if scores.missing_policy not in ("renormalise", "penalise"):
        raise ConfigError("scores.missing_policy: must be 'renormalise' or 'penalise'")
    if not 0 <= scores.missing_penalty <= 1:
        raise ConfigError("scores.missing_penalty: must be between 0 and 1")
    if not 0 <= scores.tie_tolerance < 1:
        raise ConfigError("scores.tie_tolerance: must be between 0 and 1")
    if not 0 <= scores.min_coverage <= 1:
        raise ConfigError("scores.min_coverage: must be between 0 and 1")
    if scores.max_gap_days < 1:
        raise ConfigError("scores.max_gap_days: must be >= 1")
    if scores.protocol not in ("leaderboard", "cpack2023", "lenient"):
        raise ConfigError("scores.protocol: must be 'leaderboard', 'cpack2023' or 'lenient'")

    smoke = _section("smoke", SmokeConfig, dict(raw.get("smoke", {})))
    if smoke.task_runner not in ("threads", "dask"):
        raise ConfigError("smoke.task_runner: must be 'threads' or 'dask'")
    for key in ("top_n", "memory_mb", "threads", "batch_size", "dask_workers", "parallel"):
        if getattr(smoke, key) < (0 if key == "top_n" else 1):
            raise ConfigError(f"smoke.{key}: must be positive")
    for key in ("max_model_mb", "max_run_mb", "timeout_seconds", "download_timeout_seconds"):
        if getattr(smoke, key) <= 0:
            raise ConfigError(f"smoke.{key}: must be > 0")

    report = _section("report", ReportConfig, dict(raw.get("report", {})))
    if report.lang not in ("zh", "en"):
        raise ConfigError("report.lang: must be 'zh' or 'en'")
    notify = _section("notify", NotifyConfig, dict(raw.get("notify", {})))
    if notify.webhook_url and not notify.webhook_url.startswith(("http://", "https://")):
        raise ConfigError("notify.webhook_url: must be an http(s) URL")
    return replace(
        base, **path_kw, hub=hub, mteb=mteb, profiles=profiles, scores=scores,
        smoke=smoke, report=report, notify=notify,
    )


def _typed(key: str, value: Any, typ: type) -> Any:
    """Coerce strings from the environment; reject anything else of the wrong type."""
    if typ is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "0", "false", "no"):
            return value.lower() in ("1", "true", "yes")
        raise ConfigError(f"{key}: expected true/false, got {value!r}")
    if typ in (int, float):
        if isinstance(value, bool):
            raise ConfigError(f"{key}: expected a number, got {value!r}")
        if isinstance(value, (int, float)) or isinstance(value, str):
            try:
                number = typ(value)
            except ValueError:
                raise ConfigError(f"{key}: expected a number, got {value!r}") from None
            if typ is int and isinstance(value, float) and value != int(value):
                raise ConfigError(f"{key}: expected an integer, got {value!r}")
            return number
        raise ConfigError(f"{key}: expected a number, got {value!r}")
    if typ is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key}: expected a string, got {value!r}")
        return value
    if typ is tuple:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key}: expected a list of strings, got {value!r}")
        return tuple(value)
    raise AssertionError(typ)


def _section(name: str, cls: type, body: dict[str, Any], **preset: Any) -> Any:
    known = {f.name: f for f in fields(cls)}
    kw: dict[str, Any] = dict(preset)
    for key, value in body.items():
        if key not in known:
            raise ConfigError(f"{name}.{key}: unknown key; expected one of {sorted(known)}")
        default = getattr(cls(), key)
        typ = type(default) if default is not None else str
        if value in ("", None) and default is None:
            kw[key] = None
            continue
        kw[key] = _typed(f"{name}.{key}", value, typ)
    return cls(**kw)


def _query(index: int, body: Any) -> HubQuery:
    key = f"hub.queries[{index}]"
    if not isinstance(body, dict):
        raise ConfigError(f"{key}: expected a table")
    allowed = {f.name for f in fields(HubQuery)}
    for k in body:
        if k not in allowed:
            raise ConfigError(f"{key}.{k}: unknown key; expected one of {sorted(allowed)}")
    if "name" not in body:
        raise ConfigError(f"{key}.name: required")
    flt = body.get("filter", ())
    flt = (flt,) if isinstance(flt, str) else _typed(f"{key}.filter", list(flt), tuple)
    sort = body.get("sort", "downloads")
    if sort not in ("downloads", "likes", "lastModified", "trendingScore", "createdAt"):
        raise ConfigError(f"{key}.sort: must be downloads, likes, lastModified, trendingScore or createdAt")
    return HubQuery(
        name=_typed(f"{key}.name", body["name"], str),
        filter=flt,
        search=body.get("search"),
        pipeline_tag=body.get("pipeline_tag"),
        author=body.get("author"),
        sort=sort,
    )


def _profile_from(name: str, body: Any) -> Profile:
    key = f"profiles.{name}"
    if not isinstance(body, dict):
        raise ConfigError(f"{key}: expected a table")
    allowed = {"weights", "description", "license_gate", "task_weights", "context_weight"}
    for k in body:
        if k not in allowed:
            raise ConfigError(f"{key}.{k}: unknown key; expected one of {sorted(allowed)}")
    weights = body.get("weights")
    if not isinstance(weights, dict) or not weights:
        raise ConfigError(f"{key}.weights: required table of criterion = weight")
    clean: dict[str, float] = {}
    for crit, w in weights.items():
        if crit not in CRITERIA:
            raise ConfigError(f"{key}.weights.{crit}: unknown criterion; expected one of {list(CRITERIA)}")
        w = _typed(f"{key}.weights.{crit}", w, float)
        if w < 0:
            raise ConfigError(f"{key}.weights.{crit}: weights must be non-negative")
        clean[crit] = w
    if sum(clean.values()) <= 0:
        raise ConfigError(f"{key}.weights: weights sum to zero; at least one must be positive")
    task_weights = {
        t: _typed(f"{key}.task_weights.{t}", w, float) for t, w in dict(body.get("task_weights", {})).items()
    }
    for t, w in task_weights.items():
        if t not in TASK_TYPES:
            raise ConfigError(f"{key}.task_weights.{t}: unknown task type; expected one of {list(TASK_TYPES)}")
        if w < 0:
            raise ConfigError(f"{key}.task_weights.{t}: weights must be non-negative")
    if task_weights and sum(task_weights.values()) <= 0:
        raise ConfigError(f"{key}.task_weights: weights sum to zero; at least one must be positive")
    context_weight = _typed(f"{key}.context_weight", body.get("context_weight", 0.25), float)
    if not 0 <= context_weight <= 1:
        raise ConfigError(f"{key}.context_weight: must be between 0 and 1")
    return Profile(
        name=name,
        weights={c: clean.get(c, 0.0) for c in CRITERIA},
        description=str(body.get("description", "")),
        license_gate=_typed(f"{key}.license_gate", body.get("license_gate", False), bool),
        task_weights=task_weights,
        context_weight=context_weight,
    )
