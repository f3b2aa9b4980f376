"""Download a model snapshot for smoke-testing, after deciding it is safe to.

Everything that comes from the Hub is untrusted: repository ids and file names are validated before
they touch the file system (no path traversal), weights that exist only as pickles (``*.bin`` and
friends, which execute code when unpickled) are refused unless the model is allow-listed, and so are
repositories whose configuration asks for code shipped in the repo (``auto_map``, custom
sentence-transformers modules). Only the files a smoke test needs are fetched: configs, tokenizer files,
safetensors weights and the sentence-transformers module files; never ONNX, GGUF or TF copies.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from huggingface_hub.utils import filter_repo_objects

from pipeline.hub_files import plain_http_downloads

ALLOW_PATTERNS: tuple[str, ...] = (
    "*.json",           # config.json, tokenizer*.json, modules.json, 1_Pooling/config.json, ...
    "*vocab.txt",
    "*merges.txt",
    "*.model",          # sentencepiece
    "*.tiktoken",
    "*.safetensors",    # weights, including 2_Dense/model.safetensors
    "README.md",
)
PICKLE_PATTERNS: tuple[str, ...] = ("*.bin", "*.pt", "*.pth")
CODE_PATTERNS: tuple[str, ...] = ("*.py",)
IGNORE_PATTERNS: tuple[str, ...] = ("onnx/*", "openvino/*", "*.onnx", "*.gguf", "*.h5", "*.msgpack", "*.ot",
                                    "tf_model*", "flax_model*", "coreml/*", ".git*")
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
WEIGHT_HINTS = ("model", "weights", "checkpoint")
"""A pickle counts as weights when its name says so (``pytorch_model.bin``, ``model.pt``; not ``training_args.bin``)."""

_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?"
_REPO_ID = re.compile(rf"{_NAME}/{_NAME}")
_MAX_PATH = 1000


class UnsafeRepoError(ValueError):
    """A repository id or file name that could escape the cache or confuse the loaders."""


class DownloadLimitExceeded(RuntimeError):
    """A download passed its byte cap or its wall-time limit and was aborted mid-stream.

    ``limit`` is ``bytes`` or ``time``."""

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit


def validate_repo_id(repo_id: object) -> str:
    """``namespace/name`` with the Hub's characters only; no ``..``, ``--`` or path tricks."""
    if not isinstance(repo_id, str) or not _REPO_ID.fullmatch(repo_id) or ".." in repo_id or "--" in repo_id:
        raise UnsafeRepoError(f"invalid repository id {repo_id!r}: expected namespace/name "
                              "(letters, digits, '-', '_', '.')")
    return repo_id


def validate_file_name(path: object) -> str:
    """A relative POSIX path inside the repo: no absolute path, ``..``, backslash or control character."""
    if not isinstance(path, str) or not path or len(path) > _MAX_PATH:
        raise UnsafeRepoError(f"invalid file name {path!r}")
    segments = path.split("/")
    if (path.startswith("/") or "\\" in path or re.match(r"^[A-Za-z]:", path) or not path.isprintable()
            or any(s in ("", ".", "..") for s in segments)):
        raise UnsafeRepoError(f"unsafe file name {path!r} (absolute, '..', backslash or control character)")
    return path


def weights_format(files: Iterable[str]) -> str:
    """``safetensors``, ``pickle`` (pickle weights only) or ``none`` (no weight file recognised)."""
    names = [f.rsplit("/", 1)[-1].lower() for f in files]
    if any(n.endswith(".safetensors") for n in names):
        return "safetensors"
    if any(n.endswith(PICKLE_SUFFIXES) and any(h in n for h in WEIGHT_HINTS) for n in names):
        return "pickle"
    return "none"


def patterns(allow_pickle: bool, allow_remote_code: bool) -> list[str]:
    """The allow-patterns for ``snapshot_download``: pickles and code only for allow-listed models."""
    return [*ALLOW_PATTERNS, *(PICKLE_PATTERNS if allow_pickle else ()), *(CODE_PATTERNS if allow_remote_code else ())]


def selected_files(files: Sequence[tuple[str, int]], allow_pickle: bool,
                   allow_remote_code: bool) -> list[tuple[str, int]]:
    """The (path, size) entries ``snapshot_download`` will fetch, for the size budgets."""
    return list(filter_repo_objects(files, allow_patterns=patterns(allow_pickle, allow_remote_code),
                                    ignore_patterns=list(IGNORE_PATTERNS), key=lambda f: f[0]))


def refusal(files: Sequence[tuple[str, int]], allow_pickle: bool) -> tuple[str, str] | None:
    """(failure class, reason) if the file listing alone rules the model out, else ``None``.

    Deciding from the listing saves a download and a worker process (seconds of imports) per model.
    """
    for path, _ in files:
        try:
            validate_file_name(path)
        except UnsafeRepoError as exc:
            return "invalid_repo", str(exc)
    weights = weights_format(f for f, _ in files)
    if weights == "none":
        return "no_weights", ("this endpoint lists no weight file for the repository (*.safetensors or "
                              "pytorch_model.bin): it serves the metadata only, or the weights are missing")
    if weights == "pickle" and not allow_pickle:
        return "pickle_refused", ("weights only as pickle files (*.bin), which run code when loaded; "
                                  "add the model to smoke.allow_pickle to test it anyway")
    return None


def remote_code_reasons(snapshot: Path) -> list[str]:
    """Why loading this snapshot would execute code shipped in the repo (empty: it would not)."""
    reasons = []
    for name in ("config.json", "tokenizer_config.json"):
        payload = _read_json(snapshot / name)
        if isinstance(payload, dict) and payload.get("auto_map"):
            reasons.append(f"{name} has auto_map {sorted(payload['auto_map'])}")
    modules = _read_json(snapshot / "modules.json")
    if isinstance(modules, list):
        for module in modules:
            kind = module.get("type", "") if isinstance(module, dict) else ""
            if kind and not kind.startswith("sentence_transformers."):
                reasons.append(f"modules.json uses custom module {kind!r}")
    return reasons


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def ensure_inside(snapshot: Path, root: Path) -> None:
    """Every file of the snapshot resolves inside the cache root (symlinks into ``blobs/`` are fine)."""
    root = root.resolve()
    for path in snapshot.rglob("*"):
        if not path.resolve().is_relative_to(root):
            raise UnsafeRepoError(f"{path.relative_to(snapshot)} resolves outside the cache ({path.resolve()})")


def limited_progress(max_bytes: int, seconds: float) -> type:
    """A tqdm class for ``snapshot_download`` that aborts the download itself past a limit.

    huggingface_hub reports every chunk it writes to its byte progress bars and announces each file's size
    before streaming it; this class counts both and raises :class:`DownloadLimitExceeded` from inside the
    stream, so a server that sends more than the listing promised (or sends it too slowly) is cut off
    instead of filling the disk. It never draws anything.
    """
    from tqdm.auto import tqdm

    deadline = time.monotonic() + seconds

    def check_time() -> None:
        if time.monotonic() > deadline:
            raise DownloadLimitExceeded("time", f"download still running after the {seconds:g} s limit; aborted")

    def check_bytes(count: float) -> None:
        if count > max_bytes:
            raise DownloadLimitExceeded("bytes", f"download passed its {max_bytes / 2**20:,.1f} MB cap "
                                                 "(more than the file listing announced); aborted")

    class LimitedProgress(tqdm):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self._bytes = kwargs.get("unit") == "B"
            self._counted = 0.0
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)
            check_time()

        def __setattr__(self, name: str, value: Any) -> None:
            if name == "total" and value and getattr(self, "_bytes", False):
                check_bytes(value)   # the sizes announced so far
            super().__setattr__(name, value)

        def update(self, n: float | None = 1) -> bool | None:
            if self._bytes:
                self._counted += n or 0
                check_bytes(self._counted)
            check_time()
            return super().update(n)

    return LimitedProgress


def download(repo_id: str, revision: str, endpoint: str, cache_dir: Path, allow_pickle: bool,
             allow_remote_code: bool, max_bytes: int | None = None, seconds: float | None = None) -> Path:
    """Fetch the needed files of ``repo_id`` at the pinned ``revision`` into ``cache_dir``; the snapshot folder.

    ``endpoint`` is explicit (``HF_ENDPOINT`` is read only once, when huggingface_hub is imported). Files
    come over plain HTTP, never Xet (pipeline/hub_files.py says why). With
    ``max_bytes`` / ``seconds`` the download is streamed under :func:`limited_progress` and aborted (raising
    :class:`DownloadLimitExceeded`) as soon as it passes either.
    """
    from huggingface_hub import snapshot_download

    plain_http_downloads()
    validate_repo_id(repo_id)
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    progress = limited_progress(max_bytes or 2**62, seconds or float("inf")) if max_bytes or seconds else None
    folder = Path(snapshot_download(repo_id, revision=revision, endpoint=endpoint, cache_dir=cache_dir,
                                    allow_patterns=patterns(allow_pickle, allow_remote_code),
                                    ignore_patterns=list(IGNORE_PATTERNS), tqdm_class=progress))
    ensure_inside(folder, cache_dir)
    return folder
