"""prefect.yaml against the flows it deploys (no server): names, parameters, schedules, hooks, paths."""

from __future__ import annotations

import inspect

import pytest

from flows.deployments import PREFECT_YAML, deployment_specs, load_flow, runner_deployment
from flows.notify import notify_failure

SPECS = deployment_specs()
IDS = [spec["name"] for spec in SPECS]


def test_every_flow_has_a_deployment_and_the_pipeline_has_one_too():
    flows = {spec["entrypoint"] for spec in SPECS}
    assert flows == {
        "flows/hub_snapshot.py:hub_snapshot", "flows/mteb_snapshot.py:mteb_snapshot", "flows/scores.py:compute_scores",
        "flows/smoke.py:smoke_tests", "flows/weekly_report.py:weekly_report",
        "flows/weekly_pipeline.py:weekly_pipeline",
    }
    assert all(spec["work_pool"]["name"] == "radar-process" for spec in SPECS)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_documented_parameters_are_the_flows_own(spec):
    flow = load_flow(spec["entrypoint"])
    accepted = set(inspect.signature(flow.fn).parameters)
    assert set(spec["parameters"]) <= accepted
    assert {"config_path", "db_path"} <= set(spec["parameters"])


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_failures_of_every_deployed_flow_are_notified(spec):
    flow = load_flow(spec["entrypoint"])
    assert notify_failure in flow.on_failure_hooks and notify_failure in flow.on_crashed_hooks


def test_schedules_are_in_shanghai_and_keep_their_state_across_redeploys():
    schedules = {spec["name"]: spec.get("schedules", []) for spec in SPECS}
    crons = {name: [(s["cron"], s["active"]) for s in items] for name, items in schedules.items()}
    assert crons == {
        "hub-daily": [("30 8 * * *", True)], "mteb-daily": [("45 8 * * *", True)], "scores-after-snapshot": [],
        "smoke-weekly": [("0 9 * * 1", True)], "report-weekly": [("0 10 * * 1", True)],
        "weekly-pipeline": [("0 8 * * 1", False)],
    }
    for name, items in schedules.items():
        assert all(s["timezone"] == "Asia/Shanghai" and s["slug"] == name for s in items)


def test_scores_follow_each_completed_snapshot_deployment():
    (scores,) = [spec for spec in SPECS if spec["name"] == "scores-after-snapshot"]
    (trigger,) = scores["triggers"]
    assert trigger["expect"] == ["prefect.flow-run.Completed"]
    assert trigger["match_related"]["prefect.resource.name"] == ["hub-daily", "mteb-daily"]
    assert trigger["parameters"] == {"as_of": "{{ flow_run.parameters.snapshot_date }}",
                                     "config_path": "{{ flow_run.parameters.config_path }}",
                                     "db_path": "{{ flow_run.parameters.db_path }}"}


def test_the_worker_runs_from_whichever_checkout_deployed_it():
    text = PREFECT_YAML.read_text(encoding="utf-8")
    assert 'directory: "{{ checkout.stdout }}"' in text
    assert "/work/" not in text and "/home/" not in text


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_radar_serve_builds_every_deployment_with_its_paths(spec, tmp_path):
    deployment = runner_deployment(spec, {"db_path": str(tmp_path / "w.duckdb")})
    assert deployment.name == spec["name"]
    assert deployment.parameters["db_path"] == str(tmp_path / "w.duckdb")
    assert [s.schedule.timezone for s in deployment.schedules] == ["Asia/Shanghai"] * len(spec.get("schedules", []))
    assert len(deployment.triggers) == len(spec.get("triggers", []))
