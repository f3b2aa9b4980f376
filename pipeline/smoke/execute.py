"""One model end to end: download the pinned snapshot, refuse remote code, run the limited worker.

This is what one flow task runs, on a thread or on a Dask worker on another machine, so everything it
needs travels in two small picklable values (:class:`Target`, :class:`SmokeSettings`) and it returns a
:class:`SmokeResult` without touching the warehouse.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Config
from pipeline.smoke.download import DownloadLimitExceeded, download, remote_code_reasons
from pipeline.smoke.result import SmokeResult, hub_failure
from pipeline.smoke.runner import run_worker
from pipeline.smoke.select import MB, Target
from warehouse.redact import error_line


@dataclass(frozen=True)
class SmokeSettings:
    """The limits and places every model test of a run shares."""

    endpoint: str
    cache_dir: Path
    timeout_seconds: float
    memory_mb: float
    threads: int
    batch_size: int
    max_model_mb: float = 1500.0
    download_timeout_seconds: float = 1800.0

    @classmethod
    def from_config(cls, cfg: Config, endpoint: str) -> SmokeSettings:
        return cls(endpoint=endpoint.rstrip("/"), cache_dir=Path(cfg.cache_dir) / "models",
                   timeout_seconds=cfg.smoke.timeout_seconds, memory_mb=cfg.smoke.memory_mb,
                   threads=cfg.smoke.threads, batch_size=cfg.smoke.batch_size,
                   max_model_mb=cfg.smoke.max_model_mb,
                   download_timeout_seconds=cfg.smoke.download_timeout_seconds)

    def byte_cap(self, target: Target) -> int:
        """What a model's download may stream: what its listing announced (plus 1 MB of slack), never more
        than ``smoke.max_model_mb``. A server that sends more than it listed is cut off mid-file."""
        return int(min(target.download_bytes + MB, self.max_model_mb * MB))


def _folder_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 3)


def smoke_model(target: Target, settings: SmokeSettings) -> SmokeResult:
    """Test one model; every outcome, including a failed download, is a result (nothing raises)."""
    started = time.perf_counter()
    common = dict(reasons=list(target.reasons), trust_remote_code=target.trust_remote_code)

    def elapsed() -> float:
        return round(time.perf_counter() - started, 3)

    try:
        folder = download(target.model_id, target.revision, settings.endpoint, settings.cache_dir,
                          allow_pickle=target.allow_pickle, allow_remote_code=target.trust_remote_code,
                          max_bytes=settings.byte_cap(target), seconds=settings.download_timeout_seconds)
    except DownloadLimitExceeded as exc:
        return SmokeResult(target.model_id, target.revision, "too_large" if exc.limit == "bytes" else "download_error",
                           error=str(exc), wall_seconds=elapsed(), **common)
    except Exception as exc:   # a download failure is this model's result, not the run's
        return SmokeResult(target.model_id, target.revision, hub_failure(exc), error=error_line(exc),
                           wall_seconds=elapsed(), **common)
    download_seconds = elapsed()
    needs_code = remote_code_reasons(folder)
    if needs_code and not target.trust_remote_code:
        return SmokeResult(target.model_id, target.revision, "remote_code_refused",
                           error=f"loading would run code from the repository ({'; '.join(needs_code)}); "
                                 "add the model to smoke.allow_remote_code to test it anyway",
                           download_mb=_folder_mb(folder), download_seconds=download_seconds,
                           wall_seconds=elapsed(), **common)
    worker = run_worker(folder, timeout_seconds=settings.timeout_seconds, memory_mb=settings.memory_mb,
                        threads=settings.threads, batch_size=settings.batch_size,
                        trust_remote_code=target.trust_remote_code, semantic=target.semantic)
    worker.pop("wall_seconds", None)
    return SmokeResult.from_worker(target.model_id, target.revision, worker, download_mb=_folder_mb(folder),
                                   download_seconds=download_seconds, wall_seconds=elapsed(), **common)
