"""The rankings an expert would sign, checked on the demo's real C-MTEB results and Hub records (issue 12).

The warehouse is the one ``radar demo`` builds (the real flows on the bundled data; run with ``-m e2e``, which
shares that one run with tests/e2e/test_demo.py); expected facts are read from the raw extract in
data/sources, never from the code under test.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from pipeline.config import CRITERIA, DEFAULT_PROFILES, load_config
from pipeline.shortlist import render_top
from warehouse import db

ROOT = Path(__file__).resolve().parents[2]
LAST = date(2026, 11, 26)
QUALITY_PROFILES = [p for p, prof in DEFAULT_PROFILES.items() if prof.weights["performance"] > 0]

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo(demo_run) -> Path:
    return demo_run.db


def query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    with db.reader(path) as con:
        return con.execute(sql, params or []).fetchall()


def stated(model: str, key: str) -> set:
    with (ROOT / "data" / "sources" / "mteb" / "model_meta.jsonl").open(encoding="utf-8") as fh:
        entries = [json.loads(line) for line in fh]
    return {e["model_meta"][key] for e in entries
            if e["model_name"] == model and e["model_meta"] and e["model_meta"].get(key) is not None}


def spearman(a: list[float], b: list[float]) -> float:
    ra, rb = (np.argsort(np.argsort(x)).astype(float) for x in (a, b))
    return float(np.corrcoef(ra, rb)[0, 1])


def test_benchmarked_models_have_their_facts(demo: Path):
    rows = query(demo, "SELECT f.params, f.embed_dim, f.max_tokens, f.context_unlimited FROM model_facts f"
                       " JOIN criteria_scores c USING (as_of, model_id) WHERE f.as_of = ? AND c.profile = 'balanced'"
                       " AND c.criterion = 'performance' AND NOT c.missing", [LAST])
    n = len(rows)
    assert n > 60
    assert sum(r[0] is not None for r in rows) / n >= 0.95
    assert sum(r[1] is not None for r in rows) / n >= 0.95
    assert sum(r[2] is not None or r[3] for r in rows) / n >= 0.95


@pytest.mark.parametrize(("model", "licence", "commercial"), [
    ("BAAI/bge-small-zh-v1.5", "mit", True), ("BAAI/bge-base-zh-v1.5", "mit", True),
    ("moka-ai/m3e-base", "unspecified-noncommercial", False),
    ("shibing624/text2vec-base-chinese", "apache-2.0", True),
])
def test_flagship_models_keep_facts_and_licences_with_their_sources(demo: Path, model: str, licence: str,
                                                                     commercial: bool):
    (dim, dim_source, tokens, lic, lic_source, ok), = query(
        demo, "SELECT embed_dim, embed_dim_source, max_tokens, license, license_source, commercial_use"
              " FROM model_facts WHERE as_of = ? AND model_id = ?", [LAST, model])
    assert dim in {int(v) for v in stated(model, "embed_dim")} and dim_source
    assert tokens == 512 and (lic, ok) == (licence, commercial) and lic_source


def test_no_criterion_is_scored_from_metadata_that_was_not_read(demo: Path):
    unread = query(demo, "SELECT c.model_id FROM criteria_scores c JOIN model_facts f USING (as_of, model_id)"
                         " WHERE c.as_of = ? AND c.criterion IN ('dimension', 'scalability') AND NOT c.missing"
                         " AND (c.raw_value IS NULL)", [LAST])
    assert unread == []
    training = query(demo, "SELECT count(*) FILTER (WHERE NOT missing AND score = 0), count(*) FILTER (WHERE missing)"
                           " FROM criteria_scores WHERE as_of = ? AND profile = 'balanced' AND criterion = 'training'"
                           " AND model_id IN ('BAAI/bge-small-zh-v1.5', 'BAAI/bge-large-zh-v1.5', 'moka-ai/m3e-base')",
                     [LAST])
    assert training == [(0, 0)]  # read, and not zero: the old "training 0.0 (not public)" for unread metadata


@pytest.mark.parametrize("profile", QUALITY_PROFILES)
def test_every_top_10_model_has_a_c_mteb_result(demo: Path, profile: str):
    top = query(demo, "SELECT r.model_id, r.quality, c.missing FROM rankings r JOIN criteria_scores c"
                      " USING (as_of, profile, model_id) WHERE r.as_of = ? AND r.profile = ? AND r.rank <= 10"
                      " AND c.criterion = 'performance'", [LAST, profile])
    assert len(top) == 10 and all(q is not None and not missing for _, q, missing in top), top


def test_the_rag_ranking_follows_retrieval_and_reranking_quality(demo: Path):
    rows = query(demo, "SELECT r.rank, (3 * b.retrieval + 2 * b.reranking + 0.5 * b.sts"
                       " + 0.5 * b.pair_classification) / 6 FROM rankings r JOIN cmteb_leaderboard b"
                       " ON b.model_id = r.model_id AND b.protocol = 'lenient' AND b.snapshot_date ="
                       " (SELECT max(snapshot_date) FROM cmteb_leaderboard) WHERE r.as_of = ? AND r.profile = 'rag'"
                       " AND r.rank IS NOT NULL AND b.sts IS NOT NULL AND b.pair_classification IS NOT NULL", [LAST])
    assert len(rows) > 40
    assert spearman([-r for r, _ in rows], [q for _, q in rows]) >= 0.95
    top3 = [m for (m,) in query(demo, "SELECT model_id FROM rankings WHERE as_of = ? AND profile = 'rag'"
                                      " AND rank <= 5", [LAST])]
    assert "IEITYuan/Yuan-embedding-2.0-zh" in top3  # the best C-MTEB Retrieval of the recorded models


@pytest.mark.parametrize("profile", list(DEFAULT_PROFILES))
def test_no_model_series_holds_more_than_one_row_of_a_default_shortlist(demo: Path, profile: str):
    out = json.loads(render_top(demo, profile=profile, max_dim=None, max_params=None, license=None, n=10,
                                fmt="json", config=load_config(ROOT / "data" / "demo" / "radar.demo.toml")))
    series = [m["series_id"] for m in out["models"]]
    families = [m["family_id"] for m in out["models"]]
    assert len(out["models"]) == 10
    assert len(set(series)) == len(series) and len(set(families)) == len(families)


def test_no_two_criteria_carry_the_same_signal_in_balanced(demo: Path):
    rows = query(demo, "SELECT c.model_id, c.criterion, c.score FROM criteria_scores c JOIN rankings r"
                       " USING (as_of, profile, model_id) WHERE c.as_of = ? AND c.profile = 'balanced'"
                       " AND r.rank IS NOT NULL AND NOT c.missing", [LAST])
    scores: dict[str, dict[str, float]] = {}
    for model, criterion, score in rows:
        scores.setdefault(criterion, {})[model] = score
    for i, a in enumerate(CRITERIA):
        for b in CRITERIA[i + 1:]:
            both = sorted(set(scores[a]) & set(scores[b]))
            r = np.corrcoef([scores[a][m] for m in both], [scores[b][m] for m in both])[0, 1]
            assert abs(r) <= 0.85, (a, b, r)


def test_the_planted_spike_is_flagged_and_leaves_no_false_momentum(demo: Path):
    rows = dict(query(demo, "SELECT as_of, momentum || '/' || coalesce(anomaly, '') FROM download_trends"
                            " WHERE model_id = 'lier007/xiaobu-embedding-v2' AND as_of >= '2026-10-12'"))
    assert rows[date(2026, 10, 12)].endswith("/spike")
    after = {d: v.split("/")[0] for d, v in rows.items() if d > date(2026, 10, 12)}
    assert set(after.values()) == {"steady"}, after  # not fading when the burst leaves the 4-week average


def test_popular_models_without_results_are_listed_apart_and_never_ranked(demo: Path):
    popular = [m for (m,) in query(demo, "SELECT model_id FROM popular_not_benchmarked WHERE as_of = ?"
                                         " ORDER BY popularity_rank LIMIT 5", [LAST])]
    assert "BAAI/bge-m3" in popular  # 5 of the 31 tasks: the most downloaded model without a C-MTEB mean
    ranked = query(demo, "SELECT count(*) FROM rankings WHERE as_of = ? AND rank IS NOT NULL"
                         " AND list_contains(?, model_id)", [LAST, popular])
    assert ranked == [(0,)]
