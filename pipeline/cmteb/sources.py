"""Where C-MTEB results come from: the HF dataset ``mteb/results``, or a local results checkout.

Both sources answer two questions: ``version()`` (cheap: is there anything new?) and ``load(version)``
(the raw per-cell scores, the models' metadata and the problems met on the way).

* :class:`HubResults` reads the dataset through ``huggingface_hub`` (``repo_type="dataset"``, an
  explicit endpoint, so a mirror or the replay Hub work the same). Its ``data/train-*.parquet`` holds
  every main score (schema: reference/mteb.md §5) and is the authority for scores. The parquet carries
  no model metadata and only main scores, so the reader also fetches, from the same commit, the files
  of the results tree the dataset mirrors (``results/<org>__<name>/<revision>/``): ``model_meta.json``,
  and the pair-classification and reranking task files that hold cosine AP and pre-1.12 ``map``. When
  the dataset has no such files, metadata and those two metrics are simply absent (and counted).
* :class:`CheckoutResults` reads a local clone of ``embeddings-benchmark/results`` (both file formats).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Protocol, TypeVar

import polars as pl
from packaging.version import InvalidVersion, Version

from pipeline import progress, retry
from pipeline.cmteb.quality import clean_scores
from pipeline.cmteb.results_files import (
    EXPERIMENTS_DIR,
    META_FILE,
    ModelMeta,
    ResultFileError,
    model_identity,
    parse_model_meta,
    parse_task_file,
    read_json,
    revision_dirs,
)
from pipeline.cmteb.tasks import known_tasks, task_aliases
from pipeline.config import MtebConfig
from pipeline.hub_files import plain_http_downloads
from pipeline.issues import DataIssue
from pipeline.sanitize import clean_frame, clean_record
from pipeline.smoke.download import UnsafeRepoError, validate_file_name
from warehouse.redact import error_line

RAW_SCHEMA: dict[str, pl.DataType] = {
    "model_name": pl.String,
    "revision": pl.String,
    "task_name": pl.String,
    "split": pl.String,
    "subset": pl.String,
    "score": pl.Float64,
    "ap_score": pl.Float64,
    "map_score": pl.Float64,
    "mteb_version": pl.String,
    "file_format": pl.String,
    "bad_score": pl.String,
}
"""One row per (model, revision, task, split, subset) cell, as read, before the quality checks
(``bad_score``: the stored main score when it is not a number, for the report)."""

T = TypeVar("T")

EXTRA_TASK_TYPES = ("PairClassification", "Reranking")
"""Task types whose files the Hub source fetches for metrics the parquet lacks (AP, map)."""
EXTRA_TASKS = frozenset(n for n, s in known_tasks().items() if s.type in EXTRA_TASK_TYPES)


class SourceError(RuntimeError):
    """The source cannot be read at all (no parquet, a truncated file, a missing column)."""


@dataclass
class SourceSnapshot:
    """Everything one source version says: cleaned scores, model metadata, and what was wrong."""

    source: str
    version: str
    scores: pl.DataFrame
    metas: list[ModelMeta]
    issues: list[DataIssue] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)


class ResultsSource(Protocol):
    name: str

    def version(self) -> str: ...

    def load(self, version: str) -> SourceSnapshot: ...


@dataclass
class TreeRead:
    """What a walk over a results tree found."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    metas: list[ModelMeta] = field(default_factory=list)
    issues: list[DataIssue] = field(default_factory=list)
    files: int = 0
    other_task_files: int = 0
    experiment_folders: int = 0
    digest: str = ""


def _is_task_file(stem: str, wanted: Collection[str] | None) -> bool:
    name = task_aliases().get(stem.lower())
    return name is not None and (wanted is None or name in wanted)


def read_results_tree(root: Path, tasks: Collection[str] | None = None) -> TreeRead:
    """Parse every C-MTEB task file (restricted to ``tasks`` if given) and every ``model_meta.json``.

    Experiment sub-folders are skipped (mteb's leaderboard does not load them by default) and counted;
    an unreadable file becomes a ``rejected`` issue naming the model and task.
    """
    out = TreeRead()
    sha = hashlib.sha1()
    for revision_dir in revision_dirs(root):
        meta_path = revision_dir / META_FILE
        meta_body: Any = None
        if meta_path.is_file():
            sha.update(meta_path.read_bytes())
            try:
                meta_body = read_json(meta_path)
            except (ValueError, UnicodeDecodeError) as exc:
                out.issues.append(DataIssue.of("mteb", f"{revision_dir.parent.name}/{revision_dir.name}",
                                               META_FILE, "unreadable JSON", "rejected", str(exc)))
        model_name, revision = model_identity(revision_dir, meta_body)
        if meta_body is not None:
            out.metas.append(parse_model_meta(meta_body, model_name, revision))
        for path in sorted(revision_dir.iterdir()):
            if path.is_dir():
                out.experiment_folders += path.name == EXPERIMENTS_DIR
                continue
            if path.suffix != ".json" or path.name == META_FILE:
                continue
            if not _is_task_file(path.stem, tasks):
                out.other_task_files += 1
                continue
            out.files += 1
            body = path.read_bytes()
            sha.update(path.relative_to(root).as_posix().encode() + b"\0" + body)
            record = f"{model_name}/{path.stem}"
            try:
                parsed = parse_task_file(read_json(path), path.stem)
            except (ValueError, UnicodeDecodeError, ResultFileError) as exc:
                out.issues.append(DataIssue.of("mteb", record, path.name, "unreadable task file", "rejected",
                                               str(exc)))
                continue
            for cell in parsed.cells:
                out.rows.append({
                    "model_name": model_name, "revision": revision, "task_name": parsed.file_task_name,
                    "split": cell.split, "subset": cell.subset, "score": _float(cell.main_score),
                    "ap_score": _float(cell.ap_score), "map_score": _float(cell.map_score),
                    "mteb_version": parsed.mteb_version, "file_format": parsed.file_format,
                    "bad_score": None if cell.main_score is None or _float(cell.main_score) is not None
                    else repr(cell.main_score),
                })
    out.digest = sha.hexdigest()
    return out


def _float(value: Any) -> float | None:
    """Numbers as floats (NaN kept for the quality checks to report); anything else as None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _raw_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=RAW_SCHEMA, orient="row") if rows else pl.DataFrame(schema=RAW_SCHEMA)


def read_results_parquet(paths: Sequence[Path]) -> tuple[pl.DataFrame, dict[str, int]]:
    """The C-MTEB rows of the dataset's parquet files, in :data:`RAW_SCHEMA`; other tasks are skipped.

    A score that is not a number (a column written as text) is read as NULL with its text in
    ``bad_score``. Raises :class:`SourceError` for a file that is not readable parquet (e.g. truncated)
    or lacks a required column.
    """
    required = {"model_name", "task_name", "split", "subset", "score"}
    frames = []
    counts = {"parquet_rows": 0, "experiment_rows": 0}
    aliases = list(task_aliases())
    for path in paths:
        try:
            columns = set(pl.read_parquet_schema(path))
            missing = required - columns
            if missing:
                raise SourceError(f"{path.name}: missing column(s) {sorted(missing)}; is this mteb/results?")
            lazy = pl.scan_parquet(path)
            counts["parquet_rows"] += lazy.select(pl.len()).collect().item()
            revision = pl.col("model_revision") if "model_revision" in columns else pl.lit(None, pl.String)
            score = pl.col("score").cast(pl.Float64, strict=False)
            bad = pl.when(score.is_null() & pl.col("score").is_not_null()).then(
                pl.col("score").cast(pl.String, strict=False))
            experiment = (pl.col("experiments").is_not_null() if "experiments" in columns
                          else pl.lit(False))
            frame = (
                lazy.filter(pl.col("task_name").str.to_lowercase().is_in(aliases))
                .select(
                    pl.col("model_name").cast(pl.String), revision.cast(pl.String).alias("revision"),
                    pl.col("task_name").cast(pl.String), pl.col("split").cast(pl.String),
                    pl.col("subset").cast(pl.String), score.alias("score"), bad.alias("bad_score"),
                    experiment.alias("_experiment"),
                )
                .collect()
            )
        except SourceError:
            raise
        except (pl.exceptions.PolarsError, OSError) as exc:
            raise SourceError(f"{path.name}: not a readable parquet file ({str(exc).splitlines()[0]})") from exc
        counts["experiment_rows"] += int(frame["_experiment"].sum())
        frames.append(frame.filter(~pl.col("_experiment")).drop("_experiment"))
    if not frames:
        raise SourceError("no data/train-*.parquet file in the dataset")
    out = pl.concat(frames).with_columns(
        pl.lit(None, pl.Float64).alias("ap_score"), pl.lit(None, pl.Float64).alias("map_score"),
        pl.lit(None, pl.String).alias("mteb_version"), pl.lit(None, pl.String).alias("file_format"),
    )
    return out.select(list(RAW_SCHEMA)), counts


@cache
def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def with_version_rank(scores: pl.DataFrame) -> pl.DataFrame:
    """Add ``has_mteb_version`` and ``version_rank`` for mteb's revision choice.

    mteb prefers files with a parseable ``mteb_version`` (a merged range such as ``2.12.16-2.15.4``
    does not parse) and, among equals, the newest. Rows read from the parquet alone have no version:
    there, "has a version" is taken as "not an ``external`` import", which is what external files lack.
    """
    versions = sorted({v for v in scores["mteb_version"].drop_nulls().unique() if _version(v)}, key=_version)
    ranks = pl.DataFrame({"mteb_version": versions, "version_rank": list(range(1, len(versions) + 1))},
                         schema={"mteb_version": pl.String, "version_rank": pl.Int64})
    return scores.join(ranks, on="mteb_version", how="left").with_columns(
        pl.when(pl.col("mteb_version").is_not_null())
        .then(pl.col("version_rank").is_not_null())
        .otherwise(pl.col("revision") != "external")
        .alias("has_mteb_version")
    )


def _merge_extras(main: pl.DataFrame, extras: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """The parquet's rows with AP, map, format and mteb version from the files of the same cells."""
    key = ["model_name", "revision", "task_name", "split", "subset"]
    current = pl.col("task_name").str.to_lowercase().replace_strict(task_aliases(), default=pl.col("task_name"))
    extra = (extras.with_columns(current.alias("task_name"))
             .select(*key, "ap_score", "map_score", "mteb_version", "file_format").unique(key, keep="first"))
    unmatched = extra.join(main, on=key, how="anti").height
    merged = main.drop("ap_score", "map_score", "mteb_version", "file_format").join(extra, on=key, how="left")
    return merged.select(list(RAW_SCHEMA)), unmatched


class HubResults:
    """The HF dataset ``mteb/results`` through ``huggingface_hub`` (downloads cached under ``cache_dir``).

    Every request is retried on transport faults under :mod:`pipeline.retry` (``attempts`` tries in all,
    backoff from ``retry_base_seconds``, all waits within ``budget_seconds`` from the source's creation; a
    retried download starts afresh); files already in the cache for a commit are not fetched again. A
    results-tree file that cannot be had for a reason of its own (an unsafe path such as a
    ``model_revision`` of ``../x``, a 4xx answer) is skipped and reported as a data issue: one bad record
    never stops the snapshot. Files come over plain HTTP, never Xet (pipeline/hub_files.py says why).
    """

    def __init__(self, cfg: MtebConfig, endpoint: str, cache_dir: Path, token: str | None = None,
                 attempts: int = 4, retry_base_seconds: float = 1.0, budget_seconds: float = 300.0):
        self.cfg = cfg
        self.endpoint = endpoint.rstrip("/")
        self.cache_dir = Path(cache_dir)
        self.token = token
        self.policy = retry.RetryPolicy(attempts=attempts, base_seconds=retry_base_seconds,
                                        budget=retry.Budget(budget_seconds))
        self.name = f"hub:{cfg.dataset}"

    def _retry(self, call: Callable[[int], T], what: str) -> T:
        return retry.call(call, what, self.policy, self.endpoint)

    def _api(self):
        from huggingface_hub import HfApi

        return HfApi(endpoint=self.endpoint, token=self.token)

    def version(self) -> str:
        """The dataset commit ``cfg.revision`` points at now."""
        return self._retry(lambda _: self._api().dataset_info(self.cfg.dataset, revision=self.cfg.revision).sha,
                           f"{self.cfg.dataset}: dataset info")

    def load(self, version: str) -> SourceSnapshot:
        """Download commit ``version``'s parquet, then the tree files its rows need, and read them."""
        from huggingface_hub import snapshot_download

        plain_http_downloads()
        local = Path(self._retry(lambda attempt: snapshot_download(
            self.cfg.dataset, repo_type="dataset", revision=version, endpoint=self.endpoint,
            cache_dir=self.cache_dir / "hub", allow_patterns=["data/train-*.parquet"], token=self.token,
            force_download=attempt > 1,
        ), f"{self.cfg.dataset}: parquet files"))
        main, counts = read_results_parquet(sorted((local / "data").glob("train-*.parquet")))
        folders, listing_issues = self._revision_folders(version, model_folders(main))
        wanted = tree_files_needed(main, folders)
        fetched, fetch_issues = self._download(version, wanted)
        tree = read_results_tree(local / "results", EXTRA_TASKS) if fetched else TreeRead()
        raw, unmatched = _merge_extras(main, _raw_frame(tree.rows))
        scores, metas, issues = _checked(raw, tree.metas)
        details = {**counts, "revision_folders": sum(map(len, folders.values())), "tree_files_wanted": len(wanted),
                   "tree_files_found": fetched, "tree_files_refused": len(fetch_issues),
                   "tree_cells_without_parquet_row": unmatched, "model_meta_files": len(tree.metas)}
        return SourceSnapshot(self.name, version, with_version_rank(scores), metas,
                              listing_issues + fetch_issues + tree.issues + issues, details)

    def _revision_folders(self, version: str, model_dirs: list[str]) -> tuple[dict[str, list[str]], list[DataIssue]]:
        """Every revision folder of each model folder (8 listings at a time): a model's metadata often sits
        in a folder that holds none of its C-MTEB scores."""
        from huggingface_hub.errors import EntryNotFoundError
        from huggingface_hub.hf_api import RepoFolder

        issues: list[DataIssue] = []

        def one(model_dir: str) -> list[str]:
            try:
                validate_file_name(f"results/{model_dir}")
            except UnsafeRepoError:   # a model name with control characters or '..': never sent to the Hub
                issues.append(DataIssue.of("mteb", model_dir, "results folder",
                                           "unsafe path in the results tree; not listed", "rejected", model_dir))
                return []
            try:
                entries = self._retry(lambda _: list(self._api().list_repo_tree(
                    self.cfg.dataset, path_in_repo=f"results/{model_dir}", revision=version, repo_type="dataset")),
                    f"results/{model_dir}: folder listing")
            except EntryNotFoundError:
                return []
            except ValueError as exc:  # huggingface_hub refuses the path: the record, not the source, is bad
                issues.append(DataIssue.of("mteb", model_dir, "results folder", "unreadable folder name", "skipped",
                                           str(exc)))
                return []
            prefix = f"results/{model_dir}/"
            return sorted(e.path.removeprefix(prefix) for e in entries
                          if isinstance(e, RepoFolder) and e.path.startswith(prefix))

        with ThreadPoolExecutor(max_workers=8) as pool:
            return dict(zip(model_dirs, pool.map(one, model_dirs), strict=True)), issues

    def _download(self, version: str, paths: list[str]) -> tuple[int, list[DataIssue]]:
        """Fetch ``paths`` of commit ``version`` into the cache (8 at a time): how many exist, and the files
        that could not be had for a reason of their own (each a ``rejected`` data issue).

        A wanted file that is simply absent (404) is expected: former task names are asked for too.
        """
        from huggingface_hub import hf_hub_download

        issues: list[DataIssue] = []
        safe: list[str] = []
        for folder, names in _by_folder(paths).items():
            try:
                validate_file_name(folder)
            except UnsafeRepoError:
                issues.append(DataIssue.of("mteb", folder.removeprefix("results/"), "revision",
                                           "unsafe path in the results tree; its files were not fetched",
                                           "rejected", folder))
                continue
            safe += names

        def one(path: str) -> bool:
            try:
                self._retry(lambda attempt: hf_hub_download(
                    self.cfg.dataset, path, repo_type="dataset", revision=version, endpoint=self.endpoint,
                    cache_dir=self.cache_dir / "hub", token=self.token, force_download=attempt > 1), path)
            except Exception as exc:
                if retry.kind_of(exc) != retry.RECORD:
                    raise
                if not _absent(exc):
                    issues.append(DataIssue.of("mteb", path.removeprefix("results/"), "file",
                                               "results file could not be fetched", "rejected", error_line(exc)))
                return False
            return True

        pool = ThreadPoolExecutor(max_workers=8)
        try:
            found = sum(progress.track(pool.map(one, safe), "C-MTEB result files", total=len(safe)))
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)   # a stop signal or a dead Hub: do not wait
            raise
        pool.shutdown()
        return found, sorted(issues, key=lambda i: i.record_id or "")


def _by_folder(paths: list[str]) -> dict[str, list[str]]:
    folders: dict[str, list[str]] = {}
    for path in paths:
        folders.setdefault(path.rsplit("/", 1)[0], []).append(path)
    return folders


def _absent(exc: BaseException) -> bool:
    """A 404 for one file: the file is not in the dataset (huggingface_hub reports it, and a 403 too, as
    "entry not found"; the status behind it tells them apart)."""
    return retry.http_status(exc) == 404


TEXT_COLUMNS = ("model_name", "revision", "task_name", "split", "subset", "mteb_version", "file_format")


def _checked(raw: pl.DataFrame, metas: list[ModelMeta]) -> tuple[pl.DataFrame, list[ModelMeta], list[DataIssue]]:
    """Sanitised text (:mod:`pipeline.sanitize`), then the quality checks; issues of both."""
    raw, text_issues = clean_frame(raw, TEXT_COLUMNS, "mteb",
                                   lambda row: f"{row['model_name']}/{row['task_name']}")
    metas = [clean_record(m, "mteb", f"{m.model_name}@{m.revision}", text_issues) for m in metas]
    scores, issues = clean_scores(raw)
    return scores, metas, text_issues + issues


_FOLDER = pl.col("model_name").str.replace_all("/", "__", literal=True)
"""A model's folder in the results tree: ``org__name``, as in the results repository."""


def model_folders(main: pl.DataFrame) -> list[str]:
    """The results-tree folders of the models these rows describe."""
    return sorted(main.select(_FOLDER.alias("dir")).unique()["dir"].to_list())


def tree_files_needed(main: pl.DataFrame, folders: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """The results-tree files that hold what the parquet lacks for these rows.

    The ``model_meta.json`` of every revision folder of these models (``folders``: model folder -> its
    revision folders, as listed; the folders of the rows themselves are always included); the
    pair-classification task files (cosine AP); the reranking task files whose cells have no main score
    (pre-1.11 files, ``map`` only), under current and former file names.
    """
    specs = known_tasks()
    groups = main.select(_FOLDER.alias("dir"), "revision").unique()
    paths = {f"results/{d}/{r}/{META_FILE}" for d, r in groups.iter_rows()}
    paths |= {f"results/{d}/{r}/{META_FILE}" for d, revisions in (folders or {}).items() for r in revisions}
    pair = [n for n, s in specs.items() if s.type == "PairClassification"]
    rerank = [n for n, s in specs.items() if s.type == "Reranking"]
    needs = main.filter(pl.col("task_name").is_in(pair)
                        | (pl.col("task_name").is_in(rerank) & pl.col("score").is_null()))
    for d, r, task in needs.select(_FOLDER.alias("dir"), "revision", "task_name").unique().iter_rows():
        for name in (task, *specs[task].former_names):
            paths.add(f"results/{d}/{r}/{name}.json")
    return sorted(paths)


class CheckoutResults:
    """A local checkout of the results repository (``results/`` inside it, or the folder itself)."""

    def __init__(self, path: str | Path):
        path = Path(path)
        if not path.is_dir():
            raise SourceError(f"mteb.checkout_path: no such folder: {path}")
        self.path = path
        self.root = path / "results" if (path / "results").is_dir() else path
        self.name = f"checkout:{path}"
        self._read: TreeRead | None = None

    def _tree(self) -> TreeRead:
        if self._read is None:
            self._read = read_results_tree(self.root)
        return self._read

    def version(self) -> str:
        """The checkout's git commit when it has one, else a digest of the files read."""
        head = git_head(self.path)
        return f"git:{head}" if head else f"sha1:{self._tree().digest}"

    def load(self, version: str) -> SourceSnapshot:
        tree = self._tree()
        scores, metas, issues = _checked(_raw_frame(tree.rows), tree.metas)
        details = {"task_files": tree.files, "other_task_files": tree.other_task_files,
                   "experiment_folders_skipped": tree.experiment_folders, "model_meta_files": len(tree.metas),
                   "files_digest": tree.digest}
        return SourceSnapshot(self.name, version, with_version_rank(scores), metas,
                              tree.issues + issues, details)


def git_head(path: Path) -> str | None:
    """The commit ``HEAD`` names in a git checkout (loose or packed ref), without running git."""
    git = path / ".git"
    if git.is_file():  # a worktree: "gitdir: <path>"
        text = git.read_text(encoding="utf-8").strip()
        git = (path / text.removeprefix("gitdir:").strip()).resolve()
    head_file = git / "HEAD"
    if not head_file.is_file():
        return None
    head = head_file.read_text(encoding="utf-8").strip()
    if not head.startswith("ref:"):
        return head or None
    ref = head.removeprefix("ref:").strip()
    loose = git / ref
    if loose.is_file():
        return loose.read_text(encoding="utf-8").strip()
    packed = git / "packed-refs"
    if packed.is_file():
        for line in packed.read_text(encoding="utf-8").splitlines():
            if line.endswith(" " + ref):
                return line.split(" ", 1)[0]
    return None


def open_source(cfg: MtebConfig, endpoint: str, cache_dir: Path, budget_seconds: float = 300.0) -> ResultsSource:
    """The configured source: ``hub`` (default, retrying within ``budget_seconds``) or ``checkout``."""
    if cfg.source == "checkout":
        return CheckoutResults(cfg.checkout_path or "")
    return HubResults(cfg, endpoint, cache_dir, budget_seconds=budget_seconds)
