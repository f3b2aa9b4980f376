"""Deployments: ``prefect.yaml`` is the one place that names them, schedules them and documents their
parameters. ``prefect deploy --all`` reads it for a work pool; :func:`serve_all` (``radar serve``) reads the
same file and serves every deployment from one process, for machines without a work pool.

:func:`ensure_writer_limit` makes the ``duckdb-writer`` global concurrency limit exist wherever deployments
are created: ``prefect.yaml`` runs it as a build step, ``serve_all`` runs it first. Without it, concurrent
flow runs would fall back on DuckDB's lock retry instead of queueing for the writer slot.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import yaml
from prefect import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate, GlobalConcurrencyLimitUpdate
from prefect.exceptions import ObjectNotFound

from flows.common import WRITER_LIMIT

ROOT = Path(__file__).resolve().parents[1]
PREFECT_YAML = ROOT / "prefect.yaml"


class ServeError(RuntimeError):
    """``radar serve`` cannot start; the message says what to do."""


def ensure_writer_limit(name: str = WRITER_LIMIT, limit: int = 1) -> dict[str, Any]:
    """Create the writer limit, or put it back to active with ``limit`` slots (a limit that exists but is
    inactive, e.g. one an older client auto-created, would silently allow concurrent writers)."""
    with get_client(sync_client=True) as client:
        try:
            current = client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=limit, active=True))
            return {"writer_limit": name, "writer_limit_created": True}
        if not current.active or current.limit != limit:
            client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(limit=limit, active=True))
    return {"writer_limit": name, "writer_limit_created": False}


def deployment_specs(path: Path = PREFECT_YAML) -> list[dict[str, Any]]:
    """The ``deployments:`` entries of ``prefect.yaml``."""
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["deployments"])


def load_flow(entrypoint: str) -> Any:
    """``flows/hub_snapshot.py:hub_snapshot`` -> the flow object, imported as a module of the installed package."""
    file, _, name = entrypoint.partition(":")
    return getattr(importlib.import_module(Path(file).with_suffix("").as_posix().replace("/", ".")), name)


def runner_deployment(spec: dict[str, Any], parameters: dict[str, Any]) -> Any:
    """One ``prefect.yaml`` entry as a deployment ``serve()`` can run, ``parameters`` overriding the file's."""
    from prefect.events import DeploymentTriggerTypes
    from prefect.types.entrypoint import EntrypointType
    from prefect.schedules import Cron
    from pydantic import TypeAdapter

    schedules = [
        Cron(s["cron"], timezone=s.get("timezone"), active=s.get("active", True), slug=s.get("slug"),
             parameters=s.get("parameters") or {})
        for s in spec.get("schedules") or []
    ]
    triggers = [TypeAdapter(DeploymentTriggerTypes).validate_python(t) for t in spec.get("triggers") or []]
    return load_flow(spec["entrypoint"]).to_deployment(
        name=spec["name"], schedules=schedules, triggers=triggers,
        parameters={**(spec.get("parameters") or {}), **parameters},
        description=spec.get("description"), tags=spec.get("tags"),
        concurrency_limit=spec.get("concurrency_limit"), entrypoint_type=EntrypointType.MODULE_PATH,
    )


def serve_all(config_path: str | None = None, db_path: str | None = None) -> None:
    """Serve every deployment of ``prefect.yaml`` from this process until SIGTERM/Ctrl-C.

    Schedules stay active when it stops (``pause_on_shutdown=False``): runs due while it is down wait as
    Late and start when it is back, instead of the deployments silently staying paused. Needs a Prefect
    server (its scheduler creates the runs); ``config_path``/``db_path`` are made absolute and become the
    parameters of every run.
    """
    from prefect import serve
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        raise ServeError("radar serve needs a Prefect server, whose scheduler creates the runs: start one with "
                         "`prefect server start --host 127.0.0.1 --no-ui` and set "
                         "PREFECT_API_URL=http://127.0.0.1:4200/api (docs/deployment.md)")
    ensure_writer_limit()
    parameters: dict[str, Any] = {}
    if config_path:
        parameters["config_path"] = str(Path(config_path).resolve())
    if db_path:
        parameters["db_path"] = str(Path(db_path).resolve())
    serve(*(runner_deployment(spec, parameters) for spec in deployment_specs()), pause_on_shutdown=False, limit=2)
