"""Configuration: one TOML file (``radar.toml``), environment overrides, fail-fast validation.

Everything a user may want to change without touching code lives here: the Hub queries, the criteria
weight profiles, the smoke-test limits, paths and the report language. Invalid values raise
:class:`ConfigError` naming the offending key, so a typo fails at start-up instead of mid-run.

Precedence (highest first): explicit arguments (CLI flags), environment variables, the TOML file, the
defaults below. The documented example is ``radar.toml`` at the repository root.
"""

from __future__ import annotations

import math
import os
import reprlib
import tomllib
from dataclasses import dataclass, field, fields, replace
from fnmatch import fnmatchcase
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


MISSING_POLICIES: tuple[str, ...] = ("quartile", "penalise", "renormalise")


class ConfigError(ValueError):
    """A configuration value is missing or invalid; the message names the key (or the environment variable
    that set it)."""


MAX_NESTING = 32
"""Arrays and tables nested deeper than this are refused with the key's name (no radar setting needs more
than three levels; Python's TOML parser itself fails with a RecursionError somewhere past 300)."""


@dataclass(frozen=True)
class HubQuery:
    """One ``GET /api/models`` query. Results of all queries are unioned and de-duplicated."""

    name: str
    filter: tuple[str, ...] = ()
    search: str | None = None
    pipeline_tag: str | None = None
    author: str | None = None


DEFAULT_QUERIES: tuple[HubQuery, ...] = (
    # The blog's manual process: language Chinese, search "embedding" (it sorts by downloads; the snapshot
    # reads every match, by creation date, so the order does not change what is found).
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
    files_per_run: int = 300
    """Repositories whose configuration files (dimension, context, vocabulary) are read per snapshot: new
    or changed commits only, benchmarked models first, then by downloads; 0 turns the reading off."""
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
    chunk_tokens: int = 512
    """The longest text the profile embeds at once: a model that reads this many tokens fits fully."""
    quality_first: bool = True
    """Rank by quality first (the profile-weighted C-MTEB mean); the weighted total only orders models whose
    quality lies within ``quality_tolerance`` of each other. False: rank by the weighted total alone."""
    quality_tolerance: float = 1.0
    """C-MTEB points (0-100) within which quality counts as equal, so cost and popularity decide."""
    max_params: int | None = None
    """A budget: larger models (and models of unknown size) are not ranked by the profile (``over_budget``)."""


def _profile(name: str, description: str, weights: dict[str, float], **kw: Any) -> Profile:
    return Profile(name=name, description=description, weights=weights, **kw)


DEFAULT_PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        _profile(
            "balanced",
            "All eight criteria, quality first: the C-MTEB mean ranks, the other criteria decide within 1 point.",
            {"performance": 3, "speed": 1, "dimension": 1, "fit": 1, "training": 1,
             "scalability": 1, "compatibility": 1, "community": 2},
        ),
        _profile(
            "rag",
            "Retrieval-augmented generation: retrieval and reranking quality first, 512-token chunks.",
            {"performance": 2, "speed": 1, "dimension": 1, "fit": 4, "training": 1,
             "scalability": 1, "compatibility": 1, "community": 1},
            task_weights={"Retrieval": 3, "Reranking": 2, "STS": 0.5, "PairClassification": 0.5,
                          "Classification": 0, "Clustering": 0},
        ),
        _profile(
            "cpu-edge",
            "Up to 150M parameters for CPUs and edge devices: quality first, then speed, dimension and size"
            " decide within 2 points.",
            {"performance": 2, "speed": 3, "dimension": 2, "fit": 1, "training": 0,
             "scalability": 2, "compatibility": 1, "community": 1},
            chunk_tokens=256, quality_tolerance=2.0, max_params=150_000_000,
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
    missing_policy: str = "quartile"
    """An unknown criterion scores the cohort's lower-quartile score of that criterion (``quartile``), a fixed
    ``missing_penalty`` (``penalise``), or is dropped and the other weights rescaled (``renormalise``)."""
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
    fixtures: tuple[str, ...] = ("radar-test/*",)
    """Model-id patterns (fnmatch) of the pipeline's own test repositories: snapshotted and smoke-tested,
    never ranked, trended or listed in the report outside its smoke section."""

    def is_fixture(self, model_id: str) -> bool:
        return any(fnmatchcase(model_id, pattern) for pattern in self.fixtures)


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
    origins: dict[str, str] = field(default_factory=dict)
    """Dotted keys set by an environment variable -> the variable, so errors found later name what the user set."""

    def origin(self, key: str) -> str:
        """What set ``key``: its environment variable, or the key itself (the file or the default)."""
        return self.origins.get(key, key)

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

    ``path`` defaults to ``$RADAR_CONFIG``, then ``./radar.toml`` if present, else built-in defaults. An
    invalid value from an environment variable is reported under the variable's name, not the TOML key.
    """
    env = dict(os.environ if env is None else env)
    label = "config"
    if path is None and env.get("RADAR_CONFIG"):
        path, label = env["RADAR_CONFIG"], "RADAR_CONFIG"
    if path is None and Path("radar.toml").is_file():
        path = "radar.toml"
    raw: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"{label}: file not found: {p}")
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{label}: cannot read {p}: {exc}") from None
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{label}: {p} is not valid TOML: {exc}") from None
        except RecursionError:
            raise ConfigError(f"{_deepest_key(text)}: arrays or tables nested too deeply (in {p})") from None
        _check_depth(raw, "")
    origins = {}
    for var, key in ENV_OVERRIDES.items():
        if env.get(var):
            _set_dotted(raw, key, env[var])
            origins[key] = var
    try:
        cfg = _build(raw)
    except ConfigError as exc:
        key, _, why = str(exc).partition(": ")
        if key in origins:
            raise ConfigError(f"{origins[key]}: {why} (environment variable for {key})") from None
        raise
    return replace(cfg, source_path=Path(path) if path else None, origins=origins)


def _show(value: Any) -> str:
    """A value for an error line: short, one line, safe for any depth."""
    shown = reprlib.Repr()
    shown.maxlevel, shown.maxstring, shown.maxother, shown.maxlist, shown.maxdict = 2, 60, 60, 4, 4
    return shown.repr(value)


_NAMED_LEVELS = 3
"""Deeper than section.key.subkey, an error names the key at this level (a 30-part path helps nobody)."""


def _check_depth(value: Any, key: str, depth: int = 0) -> None:
    """Refuse structures nested deeper than :data:`MAX_NESTING`, naming the key (array indices left out)."""
    if depth > MAX_NESTING:
        raise ConfigError(f"{key or 'config'}: arrays or tables nested too deeply (more than {MAX_NESTING} levels)")
    if isinstance(value, dict):
        for k, v in value.items():
            named = key if depth >= _NAMED_LEVELS else f"{key}.{k}" if key else str(k)
            _check_depth(v, named, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _check_depth(v, key, depth + 1)


def _deepest_key(text: str) -> str:
    """The key whose value the TOML parser could not descend into (its RecursionError names no key)."""
    section, key, depth, quote = "", "config", 0, ""
    for line in text.splitlines():
        stripped = line.strip()
        if depth == 0 and not quote:
            if stripped.startswith("["):
                section = stripped.strip("[]").strip()
                key = section or key
                continue
            if "=" in stripped:
                name = stripped.split("=", 1)[0].strip()
                key = f"{section}.{name}" if section else name
        for char in line:
            if quote:
                quote = "" if char == quote else quote
            elif char in "\"'":
                quote = char
            elif char in "[{":
                depth += 1
                if depth > MAX_NESTING:
                    return key
            elif char in "]}":
                depth = max(depth - 1, 0)
            elif char == "#":
                break
    return key


def _set_dotted(raw: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = raw
    for part in parents:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"{part}: expected a table, got {_show(node)}")
    node[leaf] = value


_TOP_LEVEL = {"paths", "hub", "mteb", "profiles", "scores", "smoke", "report", "notify"}


def _build(raw: dict[str, Any]) -> Config:
    unknown = set(raw) - _TOP_LEVEL - {"db", "reports_dir", "cache_dir"}
    if unknown:
        raise ConfigError(f"{sorted(unknown)[0]}: unknown section; expected one of {sorted(_TOP_LEVEL)}")
    paths = _table(raw, "paths")
    for key in ("db", "reports_dir", "cache_dir"):
        if key in raw:
            paths[key] = raw[key]
    base = Config()
    path_kw = {}
    for key, value in paths.items():
        if key not in ("db", "reports_dir", "cache_dir"):
            raise ConfigError(f"paths.{key}: unknown key")
        text = _typed(f"paths.{key}", value, str)
        if not text.strip():
            raise ConfigError(f"paths.{key}: must not be empty")
        path_kw[key] = Path(text)

    hub_raw = _table(raw, "hub")
    queries = base.hub.queries
    if "queries" in hub_raw:
        listed = hub_raw.pop("queries")
        if not isinstance(listed, list):
            raise ConfigError(f"hub.queries: expected an array of tables ([[hub.queries]]), got {_show(listed)}")
        queries = tuple(_query(i, q) for i, q in enumerate(listed))
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
    if hub.files_per_run < 0:
        raise ConfigError("hub.files_per_run: must be >= 0")
    if hub.timeout_seconds <= 0:
        raise ConfigError("hub.timeout_seconds: must be > 0")
    if hub.retry_base_seconds < 0:
        raise ConfigError("hub.retry_base_seconds: must be >= 0")
    if not hub.budget_seconds > 0:
        raise ConfigError("hub.budget_seconds: must be > 0")

    mteb = _section("mteb", MtebConfig, _table(raw, "mteb"))
    if mteb.source not in ("hub", "checkout"):
        raise ConfigError("mteb.source: must be 'hub' or 'checkout'")
    if mteb.source == "checkout" and not mteb.checkout_path:
        raise ConfigError("mteb.checkout_path: required when mteb.source = 'checkout'")

    profiles = dict(DEFAULT_PROFILES)
    for name, body in _table(raw, "profiles").items():
        profiles[name] = _profile_from(name, body)

    scores = _section("scores", ScoresConfig, _table(raw, "scores"))
    if scores.missing_policy not in MISSING_POLICIES:
        raise ConfigError(f"scores.missing_policy: must be one of {', '.join(MISSING_POLICIES)}")
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

    smoke = _section("smoke", SmokeConfig, _table(raw, "smoke"))
    if smoke.task_runner not in ("threads", "dask"):
        raise ConfigError("smoke.task_runner: must be 'threads' or 'dask'")
    for key in ("top_n", "memory_mb", "threads", "batch_size", "dask_workers", "parallel"):
        if getattr(smoke, key) < (0 if key == "top_n" else 1):
            raise ConfigError(f"smoke.{key}: must be positive")
    for key in ("max_model_mb", "max_run_mb", "timeout_seconds", "download_timeout_seconds"):
        if getattr(smoke, key) <= 0:
            raise ConfigError(f"smoke.{key}: must be > 0")

    report = _section("report", ReportConfig, _table(raw, "report"))
    if report.lang not in ("zh", "en"):
        raise ConfigError("report.lang: must be 'zh' or 'en'")
    if report.top_n < 1:
        raise ConfigError("report.top_n: must be >= 1")
    notify = _section("notify", NotifyConfig, _table(raw, "notify"))
    if notify.webhook_url and not notify.webhook_url.startswith(("http://", "https://")):
        raise ConfigError("notify.webhook_url: must be an http(s) URL")
    return replace(
        base, **path_kw, hub=hub, mteb=mteb, profiles=profiles, scores=scores,
        smoke=smoke, report=report, notify=notify,
    )


def _table(raw: dict[str, Any], key: str, prefix: str = "") -> dict[str, Any]:
    """``raw[key]`` as a (copied) table; anything else is an error naming the key."""
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{prefix}{key}: expected a table, got {_show(value)}")
    return dict(value)


_INT_LIMIT = 2**63
"""Integers must fit DuckDB's BIGINT (and every loop count): 10**30 is a typo, not a setting."""


def _typed(key: str, value: Any, typ: type) -> Any:
    """Coerce strings from the environment; reject anything else of the wrong type, and non-finite numbers."""
    if typ is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("1", "true", "yes", "0", "false", "no"):
            return value.lower() in ("1", "true", "yes")
        raise ConfigError(f"{key}: expected true/false, got {_show(value)}")
    if typ in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ConfigError(f"{key}: expected a number, got {_show(value)}")
        try:
            number = float(value) if typ is float or isinstance(value, float) else int(value)
        except ValueError:
            raise ConfigError(f"{key}: expected a number, got {_show(value)}") from None
        if not math.isfinite(number):
            raise ConfigError(f"{key}: expected a finite number, got {_show(value)}")
        if typ is int:
            if number != int(number):
                raise ConfigError(f"{key}: expected an integer, got {_show(value)}")
            number = int(number)
            if abs(number) >= _INT_LIMIT:
                raise ConfigError(f"{key}: {_show(value)} is out of range")
        return number
    if typ is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key}: expected a string, got {_show(value)}")
        return value
    if typ is tuple:
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key}: expected a list of strings, got {_show(value)}")
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
        raise ConfigError(f"{key}: expected a table, got {_show(body)}")
    allowed = {f.name for f in fields(HubQuery)}
    for k in body:
        # `sort` chose the listing order until snapshots were read by creation date (the one order that
        # does not move while it is read, docs/replay-hub.md); files that still carry it load unchanged.
        if k not in allowed | {"sort"}:
            raise ConfigError(f"{key}.{k}: unknown key; expected one of {sorted(allowed)}")
    if "name" not in body:
        raise ConfigError(f"{key}.name: required")
    flt = body.get("filter", [])
    flt = (flt,) if isinstance(flt, str) else _typed(f"{key}.filter", flt, tuple)
    return HubQuery(
        name=_typed(f"{key}.name", body["name"], str),
        filter=flt,
        **{k: _typed(f"{key}.{k}", body[k], str) for k in ("search", "pipeline_tag", "author") if k in body},
    )


def _profile_from(name: str, body: Any) -> Profile:
    key = f"profiles.{name}"
    if not isinstance(body, dict):
        raise ConfigError(f"{key}: expected a table, got {_show(body)}")
    allowed = {"weights", "description", "license_gate", "task_weights", "context_weight", "chunk_tokens",
               "quality_first", "quality_tolerance", "max_params"}
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
        t: _typed(f"{key}.task_weights.{t}", w, float) for t, w in _table(body, "task_weights", f"{key}.").items()
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
    chunk_tokens = _typed(f"{key}.chunk_tokens", body.get("chunk_tokens", 512), int)
    if not 1 <= chunk_tokens <= 1_000_000:
        raise ConfigError(f"{key}.chunk_tokens: must be between 1 and 1000000")
    tolerance = _typed(f"{key}.quality_tolerance", body.get("quality_tolerance", 1.0), float)
    if not 0 <= tolerance <= 100:
        raise ConfigError(f"{key}.quality_tolerance: must be between 0 and 100 (C-MTEB points)")
    max_params = body.get("max_params")
    if max_params is not None:
        max_params = _typed(f"{key}.max_params", max_params, int)
        if max_params <= 0:
            raise ConfigError(f"{key}.max_params: must be a positive number of parameters")
    return Profile(
        name=name,
        weights={c: clean.get(c, 0.0) for c in CRITERIA},
        description=_typed(f"{key}.description", body.get("description", ""), str),
        license_gate=_typed(f"{key}.license_gate", body.get("license_gate", False), bool),
        task_weights=task_weights,
        context_weight=context_weight,
        chunk_tokens=chunk_tokens,
        quality_first=_typed(f"{key}.quality_first", body.get("quality_first", True), bool),
        quality_tolerance=tolerance,
        max_params=max_params,
    )
