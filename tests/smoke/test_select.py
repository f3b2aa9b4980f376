"""Selection: top N per profile + configured models, already-tested skips, refusals and size budgets."""

from __future__ import annotations

from datetime import date

import httpx2
import pytest
from huggingface_hub.errors import DisabledRepoError, GatedRepoError, RepositoryNotFoundError

from pipeline.config import SmokeConfig
from pipeline.smoke.result import SmokeResult
from pipeline.smoke.select import (
    Candidate,
    Listing,
    candidates,
    fetch_listings,
    plan,
    valid_ids,
    warehouse_state,
)
from warehouse import db
from warehouse.runs import RunRecord, start_run
from warehouse.smoke import write_smoke_results

MB = 2**20
SHA = "a" * 40


def listing(model_id: str, *files: tuple[str, int], sha: str = SHA) -> Listing:
    return Listing(model_id, sha, files or (("config.json", 1000), ("model.safetensors", 10 * MB)))


def test_candidates_merge_ranks_and_configuration_best_first():
    ranked = [("rag", "b/two", 2), ("balanced", "a/one", 1), ("rag", "a/one", 1), ("balanced", "b/two", 3)]
    found = candidates(ranked, ["c/extra", "a/one", "c/extra"])
    assert [c.model_id for c in found] == ["a/one", "b/two", "c/extra"]
    assert found[0].reasons == ("rank 1 in balanced", "rank 1 in rag", "configured")
    assert found[1].reasons == ("rank 2 in rag", "rank 3 in balanced")
    assert found[2].reasons == ("configured",)
    assert candidates([], ["x/y", "x/y"], why="requested") == [Candidate("x/y", ("requested",))]


def _response(status: int, repo_id: str) -> httpx2.Response:
    return httpx2.Response(status, request=httpx2.Request("GET", f"http://hub/api/models/{repo_id}"))


def test_plan_tests_what_fits_and_records_why_the_rest_is_not_tested():
    cfg = SmokeConfig(max_model_mb=50, max_run_mb=25, allow_pickle=("ok/pickle",), real_models=("ok/a",))
    found = [Candidate(m, ("configured",)) for m in
             ("ok/a", "ok/b", "big/model", "ok/pickle", "bad/pickle", "../evil", "gone/model", "broken/hub", "ok/c",
              "meta/only", "gated/model", "disabled/model")]
    listings = {
        "ok/a": listing("ok/a"),
        "ok/b": listing("ok/b", ("model.safetensors", 16 * MB), ("onnx/model.onnx", 400 * MB)),
        "big/model": listing("big/model", ("model.safetensors", 60 * MB)),
        "ok/pickle": listing("ok/pickle", ("pytorch_model.bin", 1 * MB)),
        "bad/pickle": listing("bad/pickle", ("pytorch_model.bin", 1 * MB)),
        "gone/model": RepositoryNotFoundError(
            "404", response=httpx2.Response(404, request=httpx2.Request("GET", "http://hub/api/models/gone/model"))),
        "broken/hub": ConnectionError("connection reset\nmore"),
        "ok/c": listing("ok/c", ("model.safetensors", 1 * MB)),
        "meta/only": listing("meta/only", ("README.md", 900), ("config.json", 300)),   # a metadata-only mirror
        "gated/model": GatedRepoError("403", response=_response(403, "gated/model")),
        "disabled/model": DisabledRepoError("403", response=_response(403, "disabled/model")),
    }
    out = plan(found, listings, tested=set(), cfg=cfg)
    # ok/b needs 16 MB (its ONNX copy is never downloaded), only 15 MB are left after ok/a; smaller ones still fit.
    assert [t.model_id for t in out.targets] == ["ok/a", "ok/pickle", "ok/c"]
    assert out.targets[0].semantic and not out.targets[1].semantic and out.targets[1].allow_pickle
    assert out.targets[0].download_bytes == 10 * MB + 1000
    recorded = {r.model_id: (r.status, r.failure_class) for r in out.recorded}
    assert recorded == {
        "ok/b": ("skipped", "run_budget"),
        "big/model": ("skipped", "too_large"),
        "bad/pickle": ("refused", "pickle_refused"),
        "../evil": ("refused", "invalid_repo"),
        "gone/model": ("skipped", "not_found"),
        "broken/hub": ("failed", "download_error"),
        # the weights cannot be fetched from this endpoint: not available, never failed
        "meta/only": ("unavailable", "no_weights"),
        "gated/model": ("unavailable", "gated"),
        "disabled/model": ("unavailable", "disabled"),
    }
    errors = {r.model_id: r.error for r in out.recorded}
    assert "smoke.max_model_mb = 50" in errors["big/model"] and "60.0 MB" in errors["big/model"]
    assert "smoke.max_run_mb = 25" in errors["ok/b"]
    assert errors["broken/hub"] == "ConnectionError: connection reset"
    assert [(i.record_id, i.action) for i in out.issues] == [("../evil", "rejected")]


def test_plan_skips_a_tested_commit_unless_forced_but_tests_a_new_one():
    cfg = SmokeConfig()
    found = [Candidate("ok/a", ("configured",)), Candidate("ok/b", ("configured",))]
    listings = {"ok/a": listing("ok/a"), "ok/b": listing("ok/b", sha="b" * 40)}
    tested = {("ok/a", SHA), ("ok/b", SHA)}
    out = plan(found, listings, tested, cfg)
    assert out.already_tested == ["ok/a"] and [t.model_id for t in out.targets] == ["ok/b"]
    forced = plan(found, listings, tested, cfg, force=True)
    assert [t.model_id for t in forced.targets] == ["ok/a", "ok/b"] and not forced.already_tested


def test_unsafe_file_names_in_a_listing_are_refused_and_reported():
    out = plan([Candidate("org/m", ("configured",))],
               {"org/m": listing("org/m", ("model.safetensors", 1), ("../../.ssh/config", 1))}, set(), SmokeConfig())
    assert (out.recorded[0].status, out.recorded[0].failure_class) == ("refused", "invalid_repo")
    assert out.issues[0].record_id == "org/m" and "../../.ssh/config" in out.issues[0].problem


def test_warehouse_state_reads_the_latest_top_n_and_what_was_tested(tmp_path):
    path = tmp_path / "radar.duckdb"
    assert warehouse_state(path, 3) == ([], set())                  # no warehouse yet
    rows = [(date(2025, 1, 6), "rag", "old/top", 1), (date(2025, 1, 13), "rag", "a/one", 1),
            (date(2025, 1, 13), "rag", "b/two", 2), (date(2025, 1, 13), "rag", "c/three", 3),
            (date(2025, 1, 13), "cpu-edge", "d/four", 1), (date(2025, 1, 13), "cpu-edge", "e/copy", None)]
    with db.writer(path) as con:
        for as_of, profile, model_id, rank in rows:
            con.execute("INSERT INTO rankings BY NAME SELECT ? AS as_of, ? AS profile, ? AS model_id, ? AS rank,"
                        " ? AS status, 'renormalise' AS missing_policy, 'scores-run' AS run_id",
                        [as_of, profile, model_id, rank, "ranked" if rank else "family_duplicate"])
    run_id = start_run(path, "smoke")
    write_smoke_results(path, RunRecord(run_id=run_id, flow="smoke", snapshot_date=date(2025, 1, 13)), [
        SmokeResult("a/one", SHA),
        SmokeResult("b/two", SHA, "too_large", error="big"),
    ])
    ranked, tested = warehouse_state(path, 2)
    assert ranked == [("cpu-edge", "d/four", 1), ("rag", "a/one", 1), ("rag", "b/two", 2)]
    assert tested == {("a/one", SHA)}                                  # a skip is not a test
    assert warehouse_state(path, 0)[0] == []
    # a replayed date selects from the rankings of that date, not from later ones
    assert warehouse_state(path, 2, date(2025, 1, 10))[0] == [("rag", "old/top", 1)]


def test_budgets_use_the_real_hub_listing(smoke_hub):
    ids = ["radar-test/tiny-zh-embed", "sentence-transformers/all-MiniLM-L6-v2", "radar-test/tiny-zh-embed-lexical",
           "radar-test/missing-repo"]
    found = [Candidate(m, ("requested",)) for m in ids]
    listings = fetch_listings(smoke_hub.url, valid_ids(found))
    assert isinstance(listings["radar-test/missing-repo"], RepositoryNotFoundError)
    tiny = listings["radar-test/tiny-zh-embed"]
    assert len(tiny.sha) == 40 and ("1_Pooling/config.json", pytest.approx(300, abs=200)) in tiny.files
    out = plan(found, listings, set(), SmokeConfig(max_model_mb=50, max_run_mb=2))
    assert [t.model_id for t in out.targets] == ["radar-test/tiny-zh-embed"]
    assert 1.0 * MB < out.targets[0].download_bytes < 1.5 * MB
    assert {r.model_id: r.failure_class for r in out.recorded} == {
        "sentence-transformers/all-MiniLM-L6-v2": "too_large",     # 87 MB of safetensors
        "radar-test/tiny-zh-embed-lexical": "run_budget",
        "radar-test/missing-repo": "not_found",
    }
