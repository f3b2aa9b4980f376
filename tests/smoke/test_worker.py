"""The worker through the runner on local folders: load failures are classified by the worker itself."""

from __future__ import annotations

import pytest

from pipeline.smoke.runner import run_worker

pytestmark = pytest.mark.slow


def test_a_model_that_does_not_load_is_a_load_error_with_the_loaders_message(test_repos):
    result = run_worker(test_repos["radar-test/broken-missing-weights"], timeout_seconds=120, memory_mb=3000,
                        threads=1, batch_size=8)
    assert (result["status"], result["failure_class"]) == ("failed", "load_error")
    assert "model.safetensors" in result["error"]
    assert result["backends"]["transformers"]["loaded"] is False
    assert result["backends"]["sentence_transformers"]["loaded"] is False
    assert result["last_phase"] == "done" and result["peak_rss_mb"] > 0


def test_remote_code_stays_off_in_the_worker_even_when_the_download_check_is_bypassed(test_repos):
    result = run_worker(test_repos["radar-test/broken-remote-code"], timeout_seconds=120, memory_mb=3000,
                        threads=1, batch_size=8)
    assert (result["status"], result["failure_class"]) == ("refused", "remote_code_refused")
