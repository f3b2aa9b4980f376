"""Every Prefect task and flow of the project leaves through the redaction boundary (warehouse.redact.scrubbed),
so no exception reaches Prefect's logs, states or events with a token in it or a library object on it."""

from __future__ import annotations

import importlib
import pkgutil

import flows
from prefect import Flow
from prefect.tasks import Task


def test_every_task_and_flow_is_scrubbed():
    found = {}
    for module in pkgutil.iter_modules(flows.__path__):
        loaded = importlib.import_module(f"flows.{module.name}")
        for name, value in vars(loaded).items():
            if isinstance(value, (Task, Flow)) and value.fn.__module__ == loaded.__name__:
                found[f"{loaded.__name__}.{name}"] = getattr(value.fn, "__scrubbed__", False)
    assert len(found) >= 17, sorted(found)   # the test must see the flows to prove anything
    assert [name for name, ok in found.items() if not ok] == []
