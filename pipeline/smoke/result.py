"""One smoke-test outcome, shaped like a ``smoke_results`` row, and the vocabulary the worker, the runner and
the warehouse share: statuses, failure classes, the progress marker. Light on purpose (no numpy, no torch):
the flow process imports it."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

PHASE_PREFIX = "@@phase "
"""The worker announces each step on stderr as ``@@phase NAME``; the runner reports the last one."""

FAILURE_CLASSES: dict[str, tuple[str, str]] = {
    "check_failed": ("failed", "loaded, but at least one check failed (see checks)"),
    "load_error": ("failed", "neither transformers nor sentence-transformers could load the model"),
    "hang": ("failed", "no result within the wall-time limit; the worker was killed"),
    "oom": ("failed", "resident memory passed the limit (or the kernel's OOM killer struck); the worker was killed"),
    "crash": ("failed", "the worker process died without a result (signal or interpreter failure)"),
    "download_error": ("failed", "the Hub listing or the download failed"),
    "no_weights": ("unavailable", "this endpoint serves no weight file for the repository (metadata only, or the "
                                  "weights are missing): nothing to load"),
    "gated": ("unavailable", "gated repository: the endpoint refuses its files without a token that was granted "
                             "access (HF_TOKEN)"),
    "files_missing": ("unavailable", "the endpoint lists files that it does not serve"),
    "disabled": ("unavailable", "the Hub has disabled the repository: its files cannot be downloaded"),
    "remote_code_refused": ("refused", "loading needs trust_remote_code; the model is not in smoke.allow_remote_code"),
    "pickle_refused": ("refused", "weights only as pickle files and the model is not in smoke.allow_pickle"),
    "invalid_repo": ("refused", "the repository id or a file name is unsafe (path traversal, control characters)"),
    "not_found": ("skipped", "the model is no longer on the Hub"),
    "too_large": ("skipped", "the files to download exceed smoke.max_model_mb"),
    "run_budget": ("skipped", "the run's download budget smoke.max_run_mb is used up"),
}
"""Every value of ``smoke_results.failure_class``: the status it implies and what it means (docs/smoke-tests.md).

Statuses: passed (loaded, every check passed), failed (tested, something broke), unavailable (the weights
cannot be fetched from this endpoint: says nothing about the model), refused (not loaded, for security),
skipped (not tested: size budget, gone from the Hub).
"""

STATUSES: tuple[str, ...] = ("passed", "failed", "unavailable", "refused", "skipped")
"""Every value of ``smoke_results.status``, in the order summaries and the report list them."""


def hub_failure(exc: BaseException) -> str:
    """The failure class of a Hub error met while listing or downloading a repository.

    Gated, disabled or missing files mean the weights cannot be fetched from this endpoint (``unavailable``);
    a repository that does not exist is ``not_found``; anything else (network, server) is ``download_error``.
    """
    from huggingface_hub.errors import (
        DisabledRepoError,
        GatedRepoError,
        RemoteEntryNotFoundError,
        RepositoryNotFoundError,
    )

    if isinstance(exc, GatedRepoError):
        return "gated"
    if isinstance(exc, RepositoryNotFoundError):
        return "not_found"
    if isinstance(exc, DisabledRepoError):
        return "disabled"
    if isinstance(exc, RemoteEntryNotFoundError):
        return "files_missing"
    return "download_error"


def status_of(failure_class: str | None) -> str:
    """The status a failure class implies (``passed`` for none)."""
    if failure_class is None:
        return "passed"
    if failure_class not in FAILURE_CLASSES:
        raise ValueError(f"failure_class {failure_class!r} not in {sorted(FAILURE_CLASSES)}")
    return FAILURE_CLASSES[failure_class][0]


@dataclass
class SmokeResult:
    """One row of ``smoke_results`` (``run_id`` and ``snapshot_date`` are added when it is written);
    ``tested_at`` is naive UTC, the wall clock.

    ``status`` follows from ``failure_class``, so the two can never disagree.
    """

    model_id: str
    revision: str | None
    failure_class: str | None = None
    error: str | None = None
    reasons: list[str] = field(default_factory=list)
    load_seconds: float | None = None
    import_seconds: float | None = None
    sentences_per_second: float | None = None
    embedding_dim: int | None = None
    declared_dim: int | None = None
    max_seq_length: int | None = None
    peak_rss_mb: float | None = None
    unk_rate: float | None = None
    primary_backend: str | None = None
    loads_transformers: bool | None = None
    loads_sentence_transformers: bool | None = None
    backends_agree: bool | None = None
    checks: list[dict[str, Any]] = field(default_factory=list)
    backends: dict[str, Any] = field(default_factory=dict)
    batch_size: int | None = None
    threads: int | None = None
    trust_remote_code: bool = False
    download_mb: float | None = None
    download_seconds: float | None = None
    wall_seconds: float | None = None
    last_phase: str | None = None
    versions: dict[str, Any] = field(default_factory=dict)
    hardware: dict[str, Any] = field(default_factory=dict)
    tested_at: datetime = field(default_factory=lambda: datetime.now(UTC).replace(tzinfo=None))
    status: str = field(init=False)

    def __post_init__(self) -> None:
        self.status = status_of(self.failure_class)

    @classmethod
    def from_worker(cls, model_id: str, revision: str | None, worker: dict[str, Any], **extra: Any) -> SmokeResult:
        """Build from the runner's classified worker result (unknown keys are ignored)."""
        known = {f.name for f in fields(cls) if f.init}
        backends = worker.get("backends") or {}
        agree = next((c.get("passed") for c in worker.get("checks", []) if c.get("name") == "backends_agree"), None)
        values = {k: v for k, v in worker.items() if k in known}
        values.update(
            loads_transformers=_loaded(backends, "transformers"),
            loads_sentence_transformers=_loaded(backends, "sentence_transformers"),
            backends_agree=agree,
        )
        values.update(extra)
        return cls(model_id=model_id, revision=revision, **values)


def _loaded(backends: dict[str, Any], name: str) -> bool | None:
    """True/False when the backend was tried, None when it was not (no modules.json, or no worker ran)."""
    return backends[name].get("loaded") if name in backends else None
