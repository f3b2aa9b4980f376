"""Fixtures for the report tests: a small demo-like warehouse and the report built from it.

The warehouse: 12 weekly dates, 15 models, every table the report reads, created by the real migrations
and filled here the way the flows fill them (values are stand-ins, deterministic and hand-checkable; one
model id is hostile HTML on purpose). Test modules reach the constants and
:func:`build` through the ``rows`` fixture (this module).
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from pipeline.config import DEFAULT_PROFILES, Config, load_config
from pipeline.report.build import BuiltReport, build_report
from warehouse import db

DATES = [date(2026, 6, 1) + timedelta(weeks=k) for k in range(12)]  # Mondays, 2026-W23 .. 2026-W34
LAST_WEEK = "2026-W34"
HUB_ENDPOINT = "http://127.0.0.1:41234"
MTEB_COMMIT = "f4cc6c8b365a3c779dbc708d6affe0b0355b2ddf"
MTEB_PREVIOUS = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
HOSTILE = "evil/<script>alert(1)</script>|$x$"

# model_id, licence, params, first week index, family root, weekly downloads in week 0, weekly growth
MODELS = [
    ("BAAI/bge-m3", "mit", 568_000_000, 0, None, 90_000, 1.02),
    ("BAAI/bge-large-zh-v1.5", "mit", 326_000_000, 0, None, 60_000, 1.00),
    ("moka-ai/m3e-base", None, 102_000_000, 0, None, 40_000, 0.93),
    ("TencentBAC/Conan-embedding-v1", "cc-by-nc-4.0", 326_000_000, 0, None, 8_000, 1.01),
    ("richinfoai/ritrieve_zh_v1", "mit", 326_000_000, 0, None, 3_000, 1.15),
    ("Qwen/Qwen3-Embedding-0.6B", "apache-2.0", 596_000_000, 0, None, 20_000, 1.08),
    ("IEITYuan/Yuan-embedding-2.0-zh", "apache-2.0", 327_000_000, 3, None, 500, 1.30),
    ("thenlper/gte-large-zh", "mit", 326_000_000, 0, None, 7_000, 0.97),
    ("shibing624/text2vec-base-chinese", "apache-2.0", 102_000_000, 0, None, 30_000, 0.90),
    ("DMetaSoul/Dmeta-embedding-zh-small", "apache-2.0", 74_000_000, 0, None, 2_000, 1.00),
    ("lier007/xiaobu-embedding-v2", None, 326_000_000, 0, None, 1_500, 1.00),
    ("Kingsoft-LLM/QZhou-Embedding-Zh", "apache-2.0", 7_580_000_000, 0, None, 1_000, 1.05),
    ("infgrad/Jasper-Token-Compression-600M", "mit", 607_000_000, 11, None, 2_500, 1.00),
    ("someone/bge-m3-GGUF", "mit", None, 0, "BAAI/bge-m3", 50_000, 1.00),
    (HOSTILE, "other", 100_000_000, 11, None, 900, 1.00),
]
QUALITY = {  # lenient Mean (Task), then the six type means (retrieval, reranking, pair, class, clust, sts)
    "Kingsoft-LLM/QZhou-Embedding-Zh": (78.52, 80.24, 72.37, 95.49, 78.58, 81.76, 73.33),
    "richinfoai/ritrieve_zh_v1": (72.72, 76.97, 72.86, 85.98, 76.97, 66.5, 63.92),
    "IEITYuan/Yuan-embedding-2.0-zh": (72.64, 81.76, 76.24, 82.27, 75.43, 61.44, 61.39),
    "lier007/xiaobu-embedding-v2": (72.36, 76.49, 72.58, 85.94, 76.53, 65.17, 64.18),
    "TencentBAC/Conan-embedding-v1": (72.5, 76.67, 72.76, 85.68, 76.77, 66.33, 63.67),
    "infgrad/Jasper-Token-Compression-600M": (73.55, 75.63, 69.95, 85.38, 77.89, 77.45, 63.87),
    "thenlper/gte-large-zh": (66.69, 72.49, 67.4, 80.05, 74.3, 53.07, 57.08),
    "Qwen/Qwen3-Embedding-0.6B": (66.35, 71.03, 62.58, 76.42, 71.49, 68.74, 54.52),
    "DMetaSoul/Dmeta-embedding-zh-small": (66.02, 67.7, 66.92, 81.93, 73.36, 50.8, 61.47),
    "BAAI/bge-large-zh-v1.5": (64.25, 70.46, 65.84, 75.21, 72.88, 48.99, 54.44),
    "moka-ai/m3e-base": (56.9, 56.91, 59.34, 60.85, 70.28, 47.68, 48.15),
    "shibing624/text2vec-base-chinese": (47.34, 38.79, 49.45, 62.83, 65.18, 37.66, 41.71),
    "openai/text-embedding-ada-002": (52.74, 52.0, 54.28, 65.22, 67.38, 45.68, 40.61),
}
MTEB_DATES = (date(2026, 8, 3), date(2026, 8, 17))
NEW_ON_BOARD = ("IEITYuan/Yuan-embedding-2.0-zh", "infgrad/Jasper-Token-Compression-600M")
PROFILES = ("balanced", "rag")
UNKNOWN_SPEED = "thenlper/gte-large-zh"  # a top-5 model whose speed criterion is unknown
COMMERCIAL = {"mit": True, "apache-2.0": True, "cc-by-nc-4.0": False, "other": None, None: None}
EMBED_DIM = {"Kingsoft-LLM/QZhou-Embedding-Zh": 1792, "richinfoai/ritrieve_zh_v1": 1792,
             "IEITYuan/Yuan-embedding-2.0-zh": 1792, "lier007/xiaobu-embedding-v2": 768,
             "TencentBAC/Conan-embedding-v1": 768, "infgrad/Jasper-Token-Compression-600M": 2048,
             "thenlper/gte-large-zh": 1024, "Qwen/Qwen3-Embedding-0.6B": 1024,
             "DMetaSoul/Dmeta-embedding-zh-small": 768, "BAAI/bge-large-zh-v1.5": 1024, "moka-ai/m3e-base": 768,
             "shibing624/text2vec-base-chinese": 768, "BAAI/bge-m3": 1024}
CRITERIA = ("performance", "speed", "dimension", "fit", "training", "scalability", "compatibility", "community")

_OK = [{"name": "dimension", "backend": "transformers", "passed": True},
       {"name": "unk_rate", "backend": "transformers", "passed": True}]
_UNK = [{"name": "dimension", "backend": "transformers", "passed": True},
        {"name": "unk_rate", "backend": "transformers", "passed": False, "value": 0.62, "limit": 0.05},
        {"name": "unk_rate", "backend": "sentence_transformers", "passed": False}]
_HW = '{"cpu": "Test CPU @ 2.0GHz", "cpu_count": 2, "memory_mb": 8000, "threads": 2, "system": "Linux"}'
SMOKE = [
    # snapshot_date, tested_at, model_id, status, failure_class, load s, sentences/s, dim, rss, unk, checks, error
    (date(2026, 8, 16), datetime(2026, 8, 16, 3), "BAAI/bge-large-zh-v1.5", "passed", None, 4.2, 41.5, 1024, 1630.0,
     0.0, _OK, None),
    (date(2026, 8, 16), datetime(2026, 8, 16, 3), "moka-ai/m3e-base", "passed", None, 2.1, 128.25, 768, 820.0, 0.001, _OK, None),
    (date(2026, 8, 16), datetime(2026, 8, 16, 3), "sentence-transformers/all-MiniLM-L6-v2", "failed", "check_failed", 0.9, 510.0, 384,
     410.0, 0.62, _UNK, None),
    (date(2026, 8, 16), datetime(2026, 8, 16, 3), "TencentBAC/Conan-embedding-v1", "refused", "remote_code_refused", None, None, None,
     None, None, [], "loading needs trust_remote_code"),
    (date(2026, 8, 18), datetime(2026, 8, 18, 3), "Qwen/Qwen3-Embedding-0.6B", "passed", None, 6.0, 22.0, 1024, 2300.0, 0.0, _OK, None),
    (date(2026, 8, 18), datetime(2026, 8, 18, 3), "Kingsoft-LLM/QZhou-Embedding-Zh", "skipped", "too_large", None, None, None, None,
     None, [], "needs 15,160.0 MB > smoke.max_model_mb = 1500"),
    # a later skip (budget) must not hide the earlier pass
    (date(2026, 8, 18), datetime(2026, 8, 18, 3), "moka-ai/m3e-base", "skipped", "run_budget", None, None, None,
     None, None, [], "needs 400.0 MB, 0.0 MB left of smoke.max_run_mb = 5000"),
    # a replayed date (radar demo): run months later by the wall clock, it belongs to the 2026-08-17 snapshot
    (date(2026, 8, 17), datetime(2026, 12, 4, 15), "DMetaSoul/Dmeta-embedding-zh-small", "passed", None, 1.1,
     190.0, 768, 700.0, 0.0, _OK, None),
    # the pipeline's own test repository: in the smoke section, nowhere else
    (date(2026, 8, 17), datetime(2026, 12, 4, 15), "radar-test/tiny-zh-embed", "passed", None, 0.1, 2500.0, 32,
     300.0, 0.0, _OK, None),
    # weights not served by the endpoint: not available, apart from the failures
    (date(2026, 8, 17), datetime(2026, 12, 4, 15), "lier007/xiaobu-embedding-v2", "unavailable", "no_weights",
     None, None, None, None, None, [], "this endpoint lists no weight file for the repository"),
]
SMOKE_WEEK_COUNTS = {"passed": 5, "failed": 1, "unavailable": 1, "refused": 1, "skipped": 1}
FIXTURE = "radar-test/tiny-zh-embed"
"""Listed by the Hub on every date with the most downloads of all, flagged ``models.fixture`` as the Hub
snapshot flow flags ``smoke.fixtures``: the scores flow gives it no trends and no rankings."""
"""The latest test of each model up to 2026-W34, per status."""
HUB_SYNTHETIC = ["downloads_30d", "downloads_all_time", "likes", "trending_score"]
HUB_BY_RULE = ["tags", "pipeline_tag", "library_name", "last_modified"]


def _weekly(model: tuple, k: int) -> int | None:
    _, _, _, first, _, base, growth = model
    if k < first:
        return None
    value = int(base * growth ** (k - first))
    if model[0] == "thenlper/gte-large-zh" and k == 11:
        value *= 9  # a spike the trends flow flags as an anomaly
    return value


def _quality(model_id: str) -> float:
    return QUALITY.get(model_id, (50.0,))[0]


def _total(model_id: str, profile: str, k: int) -> float:
    """A deterministic score: quality and popularity, with rag favouring retrieval."""
    q = QUALITY.get(model_id)
    quality = (q[1] if profile == "rag" else q[0]) / 100 if q else 0.45
    popularity = min((_weekly(next(m for m in MODELS if m[0] == model_id), k) or 0) / 100_000, 1.0)
    return round(0.7 * quality + 0.3 * popularity, 4)


def build(path: Path, until: date | None = None) -> None:
    """Create (or extend) the warehouse at ``path`` with every row dated on or before ``until``."""
    with db.writer(path) as con:
        for k, day in enumerate(DATES):
            if until is not None and day > until:
                break
            if con.execute("SELECT count(*) FROM model_snapshots WHERE snapshot_date = ?", [day]).fetchall()[0][0]:
                continue
            _one_date(con, k, day)
        for day in MTEB_DATES:
            if (until is None or day <= until) and not con.execute(
                    "SELECT count(*) FROM cmteb_leaderboard WHERE snapshot_date = ?", [day]).fetchall()[0][0]:
                _board(con, day)
        for snapshot_date, tested_at, *values in SMOKE:
            run_id = f"smoke-{snapshot_date}"
            if (until is None or snapshot_date <= until) and not con.execute(
                    "SELECT count(*) FROM smoke_results WHERE model_id = ? AND run_id = ?",
                    [values[0], run_id]).fetchall()[0][0]:
                values[-2] = json.dumps(values[-2])
                con.execute(
                    "INSERT INTO smoke_results (run_id, snapshot_date, tested_at, model_id, revision, status,"
                    " failure_class, load_seconds, sentences_per_second, embedding_dim, peak_rss_mb, unk_rate, checks,"
                    " error, batch_size, threads, hardware)"
                    " VALUES (?, ?, ?, ?, 'abc123', ?, ?, ?, ?, ?, ?, ?, ?, ?, 32, 2, ?)",
                    [run_id, snapshot_date, tested_at, *values, _HW])


def _one_date(con, k: int, day: date) -> None:
    run_id = f"hub-{day}"
    con.execute("INSERT INTO runs (run_id, flow, snapshot_date, started_at, finished_at, status, source_version)"
                " VALUES (?, 'hub_snapshot', ?, ?, ?, 'completed', ?)",
                [run_id, day, datetime.combine(day, datetime.min.time()), datetime.combine(day, datetime.min.time()),
                 HUB_ENDPOINT])
    # What the Hub snapshot flow records for the replay Hub, which announces its synthetic counters.
    con.execute("INSERT INTO hub_snapshots VALUES (?, ?, ?, 'replay', 'replay Hub', ?, ?, 'synthetic=...')",
                [day, run_id, HUB_ENDPOINT, HUB_SYNTHETIC, HUB_BY_RULE])
    snapshots, trends = [], []
    present = [m for m in MODELS if _weekly(m, k) is not None]
    for m in present:
        model_id, licence, params, first, family, _, _ = m
        if k == first:
            con.execute("INSERT INTO models (model_id, author, first_seen, last_seen, family_id, base_model)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        [model_id, model_id.split("/")[0], day, day, family or model_id, family])
        else:
            con.execute("UPDATE models SET last_seen = ? WHERE model_id = ?", [day, model_id])
        weekly = [_weekly(m, j) or 0 for j in range(k + 1)]
        snapshots.append({"snapshot_date": day, "model_id": model_id, "run_id": run_id,
                          "downloads_30d": sum(weekly[-4:]), "downloads_all_time": sum(weekly) + 10_000,
                          "likes": 10 + k, "license": licence, "params": params})
        known = k > first
        growth = (weekly[-1] - weekly[-2]) / weekly[-2] if known else None
        momentum = ("new" if k - first < 4 and first > 0 else None if not known else "rising" if growth > 0.05
                    else "fading" if growth < -0.05 else "steady")
        trends.append({"as_of": day, "model_id": model_id, "downloads_30d": sum(weekly[-4:]),
                       "downloads_7d": float(weekly[-1]) if known else None,
                       "downloads_28d": float(sum(weekly[-4:])) if known else None, "wow_growth": growth,
                       "momentum": momentum,
                       "anomaly": "spike" if model_id == "thenlper/gte-large-zh" and k == 11 else None,
                       "first_seen": DATES[first], "new_entrant": k == first and k > 0, "run_id": f"scores-{day}"})
    if k == 0:
        con.execute("INSERT INTO models (model_id, author, first_seen, last_seen, family_id, fixture)"
                    " VALUES (?, 'radar-test', ?, ?, ?, true)", [FIXTURE, day, day, FIXTURE])
    else:
        con.execute("UPDATE models SET last_seen = ? WHERE model_id = ?", [day, FIXTURE])
    snapshots.append({"snapshot_date": day, "model_id": FIXTURE, "run_id": run_id, "downloads_30d": 5_000_000,
                      "downloads_all_time": 9_000_000, "likes": 1, "license": "mit", "params": 256_352})
    snap = pl.DataFrame(snapshots)
    con.execute("INSERT INTO model_snapshots (snapshot_date, model_id, run_id, downloads_30d, downloads_all_time,"
                " likes, license, params) SELECT snapshot_date, model_id, run_id, downloads_30d, downloads_all_time,"
                " likes, license, params FROM snap")
    ranked = sorted(trends, key=lambda r: (-r["downloads_30d"], r["model_id"]))
    previous = {r[0]: r[1] for r in con.execute(
        "SELECT model_id, rank FROM download_trends WHERE as_of = ?", [DATES[k - 1] if k else None]).fetchall()}
    for i, r in enumerate(ranked, 1):
        r["rank"] = i
        r["rank_change"] = previous[r["model_id"]] - i if r["model_id"] in previous else None
    trend = pl.DataFrame(ranked, schema_overrides={"wow_growth": pl.Float64, "momentum": pl.String,
                                                   "anomaly": pl.String, "downloads_7d": pl.Float64,
                                                   "downloads_28d": pl.Float64})
    con.execute("INSERT INTO download_trends (as_of, model_id, downloads_30d, downloads_7d, downloads_28d, wow_growth,"
                " momentum, anomaly, rank, rank_change, first_seen, new_entrant, run_id) SELECT as_of, model_id,"
                " downloads_30d, downloads_7d, downloads_28d, wow_growth, momentum, anomaly, rank, rank_change,"
                " first_seen, new_entrant, run_id FROM trend")
    _rank(con, k, day, present)
    con.execute("INSERT INTO data_issues (run_id, snapshot_date, source, record_id, field, problem, action)"
                " VALUES (?, ?, 'hub', 'bad/model', 'downloads', 'negative count', 'nulled')", [run_id, day])


def _pareto(points: dict[str, tuple[float, int, int]]) -> set[str]:
    """Models no other beats on quality (higher), parameters and dimension (lower) at once."""
    def beats(a, b):
        return a[0] >= b[0] and a[1] <= b[1] and a[2] <= b[2] and a != b
    return {m for m, p in points.items() if not any(beats(q, p) for q in points.values())}


def _rank(con, k: int, day: date, present: list[tuple]) -> None:
    rankings, criteria = [], []
    facts = {m[0]: m for m in present}
    measured = {row[2] for row in SMOKE if row[3] == "passed" and row[0] <= day}
    for profile in PROFILES:
        ranked = [m[0] for m in present if m[4] is None]
        scored = sorted(((m, _total(m, profile, k)) for m in ranked), key=lambda ms: (-ms[1], ms[0]))
        previous = {r[0]: r[1] for r in con.execute(
            "SELECT model_id, rank FROM rankings WHERE as_of = ? AND profile = ?",
            [DATES[k - 1] if k else None, profile]).fetchall()}
        quality = {m: (QUALITY[m][1] if profile == "rag" else QUALITY[m][0]) for m in ranked if m in QUALITY}
        front = _pareto({m: (q, facts[m][2], EMBED_DIM[m]) for m, q in quality.items()})
        weights = DEFAULT_PROFILES[profile].weights
        group, group_score = 0, None
        for rank, (model_id, score) in enumerate(scored, 1):
            if group_score is None or group_score - score > 0.01:
                group, group_score = rank, score
            licence = facts[model_id][1]
            rankings.append({"as_of": day, "profile": profile, "model_id": model_id, "rank": rank,
                             "total_score": score, "tie_group": group, "status": "ranked",
                             "rank_change": previous[model_id] - rank if model_id in previous else None,
                             "license": licence, "commercial_use": COMMERCIAL.get(licence),
                             "pareto": model_id in front if model_id in quality else None,
                             "quality": quality.get(model_id), "params": facts[model_id][2],
                             "embed_dim": EMBED_DIM.get(model_id)})
            for i, criterion in enumerate(CRITERIA):
                known = not (criterion == "speed" and model_id == UNKNOWN_SPEED)
                value = round((score * (i + 3)) % 1, 4)
                criteria.append({"as_of": day, "profile": profile, "model_id": model_id, "criterion": criterion,
                                 "raw_value": _quality(model_id) if criterion == "performance" else value * 100,
                                 "score": value if known else None, "weight": weights[criterion],
                                 "missing": not known,
                                 "estimated": criterion == "speed" and known and model_id not in measured})
        for m in present:
            if m[4] is not None:  # a quantized copy: scored, represented by its family's model
                rankings.append({"as_of": day, "profile": profile, "model_id": m[0], "rank": None,
                                 "total_score": None, "tie_group": None, "status": "family_duplicate",
                                 "rank_change": None, "license": m[1], "commercial_use": COMMERCIAL.get(m[1]),
                                 "pareto": None, "quality": None, "params": None, "embed_dim": None})
    frame = pl.DataFrame(rankings, schema_overrides={"rank": pl.Int32, "total_score": pl.Float64,
                                                     "tie_group": pl.Int32, "rank_change": pl.Int32,
                                                     "commercial_use": pl.Boolean, "pareto": pl.Boolean,
                                                     "quality": pl.Float64, "params": pl.Int64,
                                                     "embed_dim": pl.Int32, "license": pl.String})
    con.execute("INSERT INTO rankings (as_of, profile, model_id, rank, total_score, tie_group, rank_change, status,"
                " license, commercial_use, pareto, quality, params, embed_dim, missing_policy, run_id)"
                " SELECT as_of, profile, model_id, rank, total_score, tie_group, rank_change, status, license,"
                " commercial_use, pareto, quality, params, embed_dim, 'renormalise', 'scores' FROM frame")
    crit = pl.DataFrame(criteria)
    # every criterion stored per profile here (the values are made up per profile); criteria_scores joins them
    con.execute("INSERT INTO criterion_values (as_of, profile, model_id, criterion, raw_value, score, missing,"
                " estimated, run_id) SELECT as_of, profile, model_id, criterion, raw_value, score, missing, estimated,"
                " 'scores' FROM crit")
    con.execute("INSERT INTO profile_weights SELECT DISTINCT as_of, profile, criterion, weight, 'renormalise',"
                " 'scores' FROM crit")


def _board_rows(day: date) -> list[dict]:
    latest = day == MTEB_DATES[-1]
    rows = []
    for name, q in QUALITY.items():
        if name in NEW_ON_BOARD and not latest:
            continue
        partial = name == "richinfoai/ritrieve_zh_v1" and not latest  # 25 tasks at first: no full mean yet
        for protocol in ("lenient", "leaderboard"):
            strict_null = protocol == "leaderboard" and name in ("moka-ai/m3e-base", "BAAI/bge-large-zh-v1.5")
            no_mean = strict_null or partial
            rows.append({"snapshot_date": day, "protocol": protocol, "model_name": name,
                         "model_id": None if name.startswith("openai/") else name,
                         "mean_task": None if no_mean else q[0],
                         "mean_task_type": None if no_mean else round(sum(q[1:]) / 6, 4),
                         "retrieval": q[1], "reranking": q[2], "pair_classification": q[3],
                         "classification": q[4], "clustering": q[5], "sts": q[6],
                         "n_tasks": 25 if partial else 31, "tasks_expected": 31})
    for protocol in ("lenient", "leaderboard"):  # Borda by mean here (a stand-in), ties by name
        mine = sorted((r for r in rows if r["protocol"] == protocol),
                      key=lambda r: (-(r["mean_task"] or 0), r["model_name"]))
        for rank, r in enumerate(mine, 1):
            r["borda_rank"] = rank
    return rows


def _changes(day: date, previous: list[dict], current: list[dict]) -> list[dict]:
    """What the C-MTEB flow records between the two snapshots (the subset the report reads)."""
    before = {(r["protocol"], r["model_name"]): r for r in previous}
    out = []
    for name in NEW_ON_BOARD:
        out.append({"change_type": "new_model", "protocol": None, "model_name": name})
        out += [{"change_type": "new_result", "protocol": None, "model_name": name}] * 31
    out += [{"change_type": "new_result", "protocol": None, "model_name": "richinfoai/ritrieve_zh_v1"}] * 6
    out.append({"change_type": "changed_result", "protocol": None, "model_name": "TencentBAC/Conan-embedding-v1"})
    for r in current:
        old = before.get((r["protocol"], r["model_name"]))
        if r["mean_task"] is not None and (old is None or old["mean_task"] is None):
            out.append({"change_type": "mean_gained", "protocol": r["protocol"], "model_name": r["model_name"]})
        if old is None:
            out.append({"change_type": "entered", "protocol": r["protocol"], "model_name": r["model_name"],
                        "new_rank": r["borda_rank"]})
        elif old["borda_rank"] != r["borda_rank"]:
            out.append({"change_type": "rank_move", "protocol": r["protocol"], "model_name": r["model_name"],
                        "old_rank": old["borda_rank"], "new_rank": r["borda_rank"]})
    return [{"snapshot_date": day, "previous_date": MTEB_DATES[0], "old_rank": None, "new_rank": None, **c}
            for c in out]


def _board(con, day: date) -> None:
    latest = day == MTEB_DATES[-1]
    commit = MTEB_COMMIT if latest else MTEB_PREVIOUS
    rows = _board_rows(day)
    con.execute("INSERT INTO cmteb_snapshots VALUES (?, ?, 'hub:mteb/results', ?, ?, ?, ?)",
                [day, f"mteb-{day}", commit, MTEB_DATES[0] if latest else None, len(QUALITY), 1000])
    frame = pl.DataFrame(rows, schema_overrides={"mean_task": pl.Float64, "mean_task_type": pl.Float64})
    con.execute("INSERT INTO cmteb_leaderboard (snapshot_date, protocol, model_name, model_id, mean_task,"
                " mean_task_type, retrieval, reranking, pair_classification, classification, clustering, sts,"
                " n_tasks, tasks_expected, borda_rank) SELECT snapshot_date, protocol, model_name, model_id,"
                " mean_task, mean_task_type, retrieval, reranking, pair_classification, classification,"
                " clustering, sts, n_tasks, tasks_expected, borda_rank FROM frame")
    params = {m[0]: m[2] for m in MODELS}
    for r in (r for r in rows if r["protocol"] == "lenient"):
        con.execute("INSERT INTO cmteb_models (snapshot_date, model_name, model_id, family_id, in_mteb_registry,"
                    " n_parameters, n_tasks_cmn) VALUES (?, ?, ?, ?, true, ?, ?)",
                    [day, r["model_name"], r["model_id"], r["model_id"] or r["model_name"],
                     params.get(r["model_name"]), r["n_tasks"]])
    if latest:
        changes = pl.DataFrame(_changes(day, _board_rows(MTEB_DATES[0]), rows),
                               schema_overrides={"protocol": pl.String, "old_rank": pl.Int64, "new_rank": pl.Int64})
        con.execute("INSERT INTO cmteb_changes (snapshot_date, previous_date, change_type, protocol, model_name,"
                    " old_rank, new_rank) SELECT snapshot_date, previous_date, change_type, protocol, model_name,"
                    " old_rank, new_rank FROM changes")


@pytest.fixture(scope="session")
def rows():
    """This module: the builder and its constants, for tests that check numbers against the data."""
    return sys.modules[__name__]


@pytest.fixture(scope="session")
def cfg() -> Config:
    """The built-in defaults (zh default language, lenient protocol), whatever the environment says."""
    return load_config(None, env={})


@pytest.fixture(scope="session")
def report_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report-db") / "radar.duckdb"
    build(path)
    return path


@pytest.fixture(scope="session")
def built(report_db: Path, cfg: Config, tmp_path_factory: pytest.TempPathFactory) -> BuiltReport:
    """Both languages of the latest week (2026-W34)."""
    return build_report(report_db, cfg, reports_dir=tmp_path_factory.mktemp("reports"))


@pytest.fixture(scope="session")
def report_dir(built: BuiltReport) -> Path:
    return next(p.parent for p in built.files if p.name == "report.html")
