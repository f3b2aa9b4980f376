"""writer_slot outside a Prefect run: task bodies called as plain functions never reach for a server."""

from __future__ import annotations

from prefect.settings import PREFECT_API_URL, temporary_settings

from flows.common import writer_slot


def test_outside_a_run_the_slot_does_not_contact_prefect():
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        with writer_slot():
            wrote = True
    assert wrote
