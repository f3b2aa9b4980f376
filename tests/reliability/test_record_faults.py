"""One bad record never stops a snapshot: it is skipped, counted and reported; only transport faults are retried.

The C-MTEB cases go through the real replay Hub and huggingface_hub: the bundled ``mteb/results``
dataset with one hostile row added to its parquet (a ``model_revision`` of ``../x``, which the client
refuses to turn into a path; a model name carrying terminal escapes and a bidi override), and a results
file the server refuses (403). The Hub-side per-item faults are covered by
tests/reliability/test_hostile_input.py.
"""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.cmteb.replay_dataset import PARQUET_PATH, mteb_results_versions
from pipeline.cmteb.sources import HubResults
from pipeline.config import MtebConfig
from pipeline.replay_hub import FaultPlan, FaultRule, RepoVersion
from warehouse import db

ROOT = Path(__file__).resolve().parents[2]
BASE = "radar-test/results-base"
HOSTILE = "radar-test/results-hostile"


def with_rows(files: dict[str, bytes], rows: list[dict]) -> dict[str, bytes]:
    """The dataset's files with ``rows`` appended to its parquet (other columns copied from the first row)."""
    table = pq.read_table(io.BytesIO(files[PARQUET_PATH]))
    template = table.slice(0, 1).to_pylist()[0]
    added = pa.Table.from_pylist([{**template, **row} for row in rows], schema=table.schema)
    out = io.BytesIO()
    pq.write_table(pa.concat_tables([table, added]), out)
    return {**files, PARQUET_PATH: out.getvalue()}


@pytest.fixture(scope="module")
def datasets(replay_data) -> dict[str, str]:
    latest = mteb_results_versions(ROOT / "data" / "sources" / "mteb")[-1].files
    replay_data.add_repo("dataset", BASE, [RepoVersion(None, latest)])
    replay_data.add_repo("dataset", HOSTILE, [RepoVersion(None, with_rows(latest, [
        {"model_name": "evil-org/path-model", "model_revision": "../x", "task_name": "T2Retrieval", "split": "dev",
         "score": 0.5},
    ]))])
    replay_data.add_repo("dataset", "radar-test/results-escapes", [RepoVersion(None, with_rows(latest, [
        {"model_name": "evil-org/\x1b[2Jwipe\u202eevil", "model_revision": "abc", "task_name": "T2Retrieval",
         "split": "dev", "score": 0.5},
    ]))])
    return {"base": BASE, "hostile": HOSTILE}


def load(dataset: str, url: str, cache: Path):
    source = HubResults(MtebConfig(dataset=dataset), url, cache, retry_base_seconds=0.01)
    return source.load(source.version())


@pytest.fixture(scope="module")
def base(_session_hub, datasets, tmp_path_factory):
    """The dataset without faults, read once: what every case is compared with."""
    return load(BASE, _session_hub.url, tmp_path_factory.mktemp("base-cache"))


def test_a_c_mteb_snapshot_with_a_hostile_row_completes_and_records_one_data_issue(
        prefect_backend, replay_hub, base, tmp_path) -> None:
    from flows.mteb_snapshot import mteb_snapshot

    config = tmp_path / "radar.toml"
    config.write_text(f'[paths]\ncache_dir = "{tmp_path / "cache"}"\n[mteb]\ndataset = "{HOSTILE}"\n')
    done = mteb_snapshot(snapshot_date="2025-01-20", config_path=str(config), db_path=str(tmp_path / "w.duckdb"))

    assert done["status"] == "completed" and done["issues"] == len(base.issues) + 1
    with db.reader(tmp_path / "w.duckdb") as con:
        (run_status,) = con.execute("SELECT status FROM runs WHERE flow = 'mteb_snapshot'").fetchone()
        issues = con.execute("SELECT record_id, field, problem, action, excerpt FROM data_issues"
                             " WHERE problem LIKE 'unsafe path%'").fetchall()
        kept = con.execute("SELECT count(*) FROM cmteb_scores WHERE model_name = 'evil-org/path-model'").fetchone()[0]
        models = con.execute("SELECT count(DISTINCT model_name) FROM cmteb_scores").fetchone()[0]
    assert run_status == "completed"
    assert issues == [("evil-org__path-model/../x", "revision",
                       "unsafe path in the results tree; its files were not fetched", "rejected",
                       "results/evil-org__path-model/../x")]
    assert kept == 1 and models == base.scores["model_name"].n_unique() + 1   # the row's score is kept


def test_a_results_file_the_server_refuses_is_a_data_issue_and_the_rest_is_read(replay_hub, base, tmp_path) -> None:
    refused = r"/resolve/[^/]+/results/Alibaba-NLP__gme-Qwen2-VL-2B-Instruct/external/model_meta\.json"
    replay_hub.faults = FaultPlan(rules=[FaultRule(kind="status", status=403, path=refused)])
    snapshot = load(BASE, replay_hub.url, tmp_path / "cache")

    (issue,) = [i for i in snapshot.issues if i.problem == "results file could not be fetched"]
    assert issue.record_id == "Alibaba-NLP__gme-Qwen2-VL-2B-Instruct/external/model_meta.json" and issue.action == "rejected"
    assert len(replay_hub.fault_log) == 1   # a 403 is this file's answer: not retried
    assert snapshot.scores.height == base.scores.height
    assert len(snapshot.metas) == len(base.metas) - 1


def test_a_transport_fault_on_a_results_file_is_retried_and_changes_nothing(replay_hub, base, tmp_path) -> None:
    flaky = r"/resolve/[^/]+/results/Alibaba-NLP__gme-Qwen2-VL-2B-Instruct/external/model_meta\.json"
    replay_hub.faults = FaultPlan(rules=[FaultRule(kind="status", status=503, path=flaky, times=2)])
    snapshot = load(BASE, replay_hub.url, tmp_path / "cache")
    assert len(replay_hub.fault_log) == 2
    assert len(snapshot.issues) == len(base.issues) and len(snapshot.metas) == len(base.metas)


def test_hostile_text_in_c_mteb_results_is_cleaned_and_counted(replay_hub, datasets, tmp_path) -> None:
    snapshot = load("radar-test/results-escapes", replay_hub.url, tmp_path / "cache")
    names = set(snapshot.scores["model_name"].to_list())
    assert "evil-org/[2Jwipeevil" in names and not any("\x1b" in n or "\u202e" in n for n in names)
    (issue,) = [i for i in snapshot.issues if i.field == "model_name" and i.problem.startswith("removed")]
    assert issue.problem == "removed bidi controls, control characters"
    assert issue.excerpt.startswith("sha256:") and "\\u001b" in issue.excerpt
