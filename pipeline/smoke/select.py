"""Which models to smoke-test this run, and which to skip (with the reason, never silently).

Candidates are the top N of every profile in the latest ``rankings`` plus the models named in the
configuration (or an explicit list). Each is looked up on the Hub (head commit and file listing): a
(model, commit) already tested is skipped unless forced, models whose listing alone rules them out are
refused (unsafe names, pickle-only weights), and the download-size budgets per model and per run are
applied to exactly the files ``snapshot_download`` would fetch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from pipeline.config import SmokeConfig
from pipeline.issues import DataIssue
from pipeline.smoke.download import UnsafeRepoError, refusal, selected_files, validate_repo_id
from pipeline.smoke.result import SmokeResult, hub_failure
from warehouse import db
from warehouse.redact import error_line

MB = 2**20


@dataclass(frozen=True)
class Candidate:
    """A model to consider, with why (``rank 2 in rag``, ``configured``, ``requested``)."""

    model_id: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Listing:
    """A model's head commit on the Hub and its files as (path, size in bytes)."""

    model_id: str
    sha: str
    files: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Target:
    """A model that will be downloaded and tested, pinned to one commit."""

    model_id: str
    revision: str
    reasons: tuple[str, ...]
    download_bytes: int
    allow_pickle: bool = False
    trust_remote_code: bool = False
    semantic: bool = False


@dataclass
class Plan:
    targets: list[Target] = field(default_factory=list)
    recorded: list[SmokeResult] = field(default_factory=list)
    """Refusals and skips, written to ``smoke_results`` with their reason."""
    already_tested: list[str] = field(default_factory=list)
    issues: list[DataIssue] = field(default_factory=list)


def candidates(ranked: Iterable[tuple[str, str, int]], named: Sequence[str],
               why: str = "configured") -> list[Candidate]:
    """Merge ranked (profile, model_id, rank) rows and named ids, best rank first, each model once."""
    reasons: dict[str, list[str]] = {}
    for profile, model_id, rank in sorted(ranked, key=lambda r: (r[2], r[0], r[1])):
        reasons.setdefault(model_id, []).append(f"rank {rank} in {profile}")
    for model_id in dict.fromkeys(named):
        reasons.setdefault(model_id, []).append(why)
    return [Candidate(model_id, tuple(why)) for model_id, why in reasons.items()]


def ranked_models(con: duckdb.DuckDBPyConnection, top_n: int,
                  as_of: date | None = None) -> list[tuple[str, str, int]]:
    """(profile, model_id, rank) with rank <= ``top_n`` in the latest rankings on or before ``as_of`` (default:
    the latest there are); empty before any scores run."""
    if top_n <= 0:
        return []
    try:
        return [tuple(r) for r in con.execute(
            "SELECT profile, model_id, rank FROM rankings WHERE as_of = (SELECT max(as_of) FROM rankings"
            " WHERE $as_of IS NULL OR as_of <= $as_of) AND rank <= $n ORDER BY rank, profile, model_id",
            {"as_of": as_of, "n": top_n}).fetchall()]
    except duckdb.CatalogException:
        return []


def tested_revisions(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    """(model_id, revision) pairs that already have a real outcome (not a skip) in ``smoke_results``."""
    try:
        rows = con.execute("SELECT DISTINCT model_id, revision FROM smoke_results"
                           " WHERE status <> 'skipped' AND revision IS NOT NULL").fetchall()
    except duckdb.CatalogException:
        return set()
    return {(r[0], r[1]) for r in rows}


def warehouse_state(path: str | Path, top_n: int, as_of: date | None = None
                    ) -> tuple[list[tuple[str, str, int]], set[tuple[str, str]]]:
    """Ranked candidates (as of ``as_of``) and tested revisions from the warehouse (none yet if it does not
    exist)."""
    try:
        with db.reader(path) as con:
            return ranked_models(con, top_n, as_of), tested_revisions(con)
    except db.WarehouseMissing:
        return [], set()


def fetch_listings(endpoint: str, model_ids: Iterable[str]) -> dict[str, Listing | Exception]:
    """Head commit and recursive file listing of each model; a failure is kept per model, not raised."""
    from huggingface_hub import HfApi
    from huggingface_hub.hf_api import RepoFile

    api = HfApi(endpoint=endpoint)
    out: dict[str, Listing | Exception] = {}
    for model_id in model_ids:
        try:
            sha = api.model_info(model_id).sha
            tree = api.list_repo_tree(model_id, revision=sha, recursive=True)
            files = tuple((f.path, int(f.size or 0)) for f in tree if isinstance(f, RepoFile))
            out[model_id] = Listing(model_id, sha, files)
        except Exception as exc:   # one model's Hub error must not stop the others; plan() records it
            out[model_id] = exc
    return out


def valid_ids(found: Iterable[Candidate]) -> list[str]:
    """The candidates whose id is safe to send to the Hub."""
    out = []
    for c in found:
        try:
            out.append(validate_repo_id(c.model_id))
        except UnsafeRepoError:
            continue
    return out


def plan(found: Sequence[Candidate], listings: Mapping[str, Listing | Exception], tested: set[tuple[str, str]],
         cfg: SmokeConfig, force: bool = False) -> Plan:
    """Decide, in candidate order, what is tested, refused, skipped or already done."""
    out = Plan()
    spent = 0

    def record(c: Candidate, revision: str | None, failure_class: str, error: str) -> None:
        out.recorded.append(SmokeResult(model_id=c.model_id, revision=revision, failure_class=failure_class,
                                        error=error, reasons=list(c.reasons)))

    for c in found:
        try:
            validate_repo_id(c.model_id)
        except UnsafeRepoError as exc:
            record(c, None, "invalid_repo", str(exc))
            out.issues.append(DataIssue.of("smoke", c.model_id, "model_id", "unsafe repository id", "rejected",
                                           c.model_id))
            continue
        listing = listings.get(c.model_id)
        if listing is None or isinstance(listing, Exception):
            failure = "download_error" if listing is None else hub_failure(listing)
            error = ("repository not found on the Hub" if failure == "not_found"
                     else "no Hub listing" if listing is None else error_line(listing, first_line=True))
            record(c, None, failure, error)
            continue
        if (c.model_id, listing.sha) in tested and not force:
            out.already_tested.append(c.model_id)
            continue
        allow_pickle = c.model_id in cfg.allow_pickle
        trust = c.model_id in cfg.allow_remote_code
        refused = refusal(listing.files, allow_pickle)
        if refused:
            failure_class, reason = refused
            record(c, listing.sha, failure_class, reason)
            if failure_class == "invalid_repo":
                out.issues.append(DataIssue.of("smoke", c.model_id, "files", reason, "rejected"))
            continue
        size = sum(s for _, s in selected_files(listing.files, allow_pickle, trust))
        if size > cfg.max_model_mb * MB:
            record(c, listing.sha, "too_large",
                   f"needs {size / MB:,.1f} MB > smoke.max_model_mb = {cfg.max_model_mb:g}")
            continue
        if spent + size > cfg.max_run_mb * MB:
            record(c, listing.sha, "run_budget",
                   f"needs {size / MB:,.1f} MB, {max(cfg.max_run_mb * MB - spent, 0) / MB:,.1f} MB left of "
                   f"smoke.max_run_mb = {cfg.max_run_mb:g}")
            continue
        spent += size
        out.targets.append(Target(c.model_id, listing.sha, c.reasons, size, allow_pickle=allow_pickle,
                                  trust_remote_code=trust, semantic=c.model_id in cfg.real_models))
    return out
