"""What a model repository's own small configuration files say about it: dimension, context, architecture.

The Hub's model list gives the parameter count (``safetensors.total``) and the licence, but not the
embedding dimension, the context length or the vocabulary size; the repository's files do:

* ``config.json`` (transformers): ``hidden_size``, ``num_hidden_layers``, ``vocab_size``,
  ``max_position_embeddings``;
* ``modules.json`` (sentence-transformers) names the pooling and dense modules, whose ``config.json``
  give the output dimension (``word_embedding_dimension``, a dense layer's ``out_features``);
* ``sentence_bert_config.json``: ``max_seq_length``, the length sentence-transformers really encodes;
* ``tokenizer_config.json``: ``model_max_length``.

They fill what C-MTEB's metadata leaves open (pipeline/facts.py decides between the sources). Files are
untrusted: a file larger than :data:`MAX_FILE_BYTES` is not read, values that are not plausible positive
integers are ignored and reported, and nothing here runs repository code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline import retry
from pipeline.issues import DataIssue
from warehouse.redact import error_line

MAX_FILE_BYTES = 1 << 20
"""Configuration files are a few KB; anything over 1 MiB is not a configuration file and is not read."""
MAX_SANE = 10_000_000
"""Dimensions, layers, positions and vocabularies above this are not plausible and are ignored."""
ROOT_FILES = ("config.json", "modules.json", "sentence_bert_config.json", "tokenizer_config.json")
POSITION_OFFSET_TYPES = frozenset({"roberta", "xlm-roberta", "camembert", "xlm-roberta-xl"})
"""RoBERTa-style models reserve two positions: 514 positions read 512 tokens."""
WORKERS = 8


@dataclass
class ModelFiles:
    """The facts one repository's files state at one commit (None: the files do not say)."""

    model_id: str
    sha: str | None
    hidden_size: int | None = None
    num_layers: int | None = None
    vocab_size: int | None = None
    max_position_embeddings: int | None = None
    model_type: str | None = None
    output_dim: int | None = None
    """The sentence-transformers pipeline's output: the last dense layer's ``out_features``, else pooling."""
    max_seq_length: int | None = None
    tokenizer_max_length: int | None = None
    files: list[str] = field(default_factory=list)
    """The files read."""
    error: str | None = None
    """Why the repository could not be read (gated, missing, unreachable); None when it was."""
    issues: list[DataIssue] = field(default_factory=list)

    @property
    def embedding_params(self) -> int | None:
        """Parameters of the token embedding matrix (vocabulary x hidden size): memory, not compute."""
        if self.vocab_size and self.hidden_size:
            return self.vocab_size * self.hidden_size
        return None

    @property
    def max_tokens(self) -> int | None:
        """The longest input encoded: sentence-transformers' limit, else the tokenizer's, else the positions."""
        if self.max_seq_length:
            return self.max_seq_length
        if self.tokenizer_max_length:
            return self.tokenizer_max_length
        if self.max_position_embeddings:
            offset = 2 if self.model_type in POSITION_OFFSET_TYPES else 0
            return self.max_position_embeddings - offset
        return None


def _count(files: ModelFiles, name: str, value: Any) -> int | None:
    """A plausible positive integer, else None (reported unless simply absent)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_SANE:
        files.issues.append(DataIssue.of("hub-files", files.model_id, name, "not a plausible count", "nulled", value))
        return None
    return value


def _first(body: Mapping[str, Any], *keys: str) -> Any:
    return next((body[k] for k in keys if body.get(k) is not None), None)


def read_config(files: ModelFiles, body: Any) -> None:
    """transformers' ``config.json`` (the common key spellings of encoder and decoder families)."""
    if not isinstance(body, Mapping):
        files.issues.append(DataIssue.of("hub-files", files.model_id, "config.json", "not a JSON object", "nulled"))
        return
    files.hidden_size = _count(files, "config.hidden_size", _first(body, "hidden_size", "d_model", "n_embd", "dim"))
    files.num_layers = _count(files, "config.num_hidden_layers",
                              _first(body, "num_hidden_layers", "n_layer", "num_layers", "n_layers"))
    files.vocab_size = _count(files, "config.vocab_size", body.get("vocab_size"))
    files.max_position_embeddings = _count(files, "config.max_position_embeddings",
                                           _first(body, "max_position_embeddings", "n_positions"))
    model_type = body.get("model_type")
    files.model_type = model_type[:64] if isinstance(model_type, str) else None


def module_dirs(files: ModelFiles, body: Any) -> tuple[str | None, list[str]]:
    """From ``modules.json``: the pooling module's folder and the dense modules' folders, in order."""
    if not isinstance(body, list):
        return None, []
    pooling, dense = None, []
    for module in body:
        if not isinstance(module, Mapping) or not isinstance(module.get("path"), str):
            continue
        kind, path = str(module.get("type", "")), module["path"].strip("/")
        if ".." in path.split("/") or "\\" in path:
            files.issues.append(DataIssue.of("hub-files", files.model_id, "modules.json", "unsafe module path",
                                             "skipped", module["path"]))
            continue
        if not path:
            continue
        if kind.endswith("Pooling"):
            pooling = path
        elif kind.endswith("Dense"):
            dense.append(path)
    return pooling, dense


def read_output_dim(files: ModelFiles, pooling: Any, dense: list[Any]) -> None:
    """The sentence embedding's size: the last dense layer's ``out_features``, else the pooling dimension."""
    for body in reversed(dense):
        if isinstance(body, Mapping) and body.get("out_features") is not None:
            files.output_dim = _count(files, "dense.out_features", body["out_features"])
            return
    if isinstance(pooling, Mapping):
        files.output_dim = _count(files, "pooling.word_embedding_dimension", pooling.get("word_embedding_dimension"))


def read_lengths(files: ModelFiles, sbert: Any, tokenizer: Any) -> None:
    """``max_seq_length`` of sentence-transformers and the tokenizer's ``model_max_length`` (1e30 = no limit)."""
    if isinstance(sbert, Mapping):
        files.max_seq_length = _count(files, "sentence_bert_config.max_seq_length", sbert.get("max_seq_length"))
    if isinstance(tokenizer, Mapping):
        value = tokenizer.get("model_max_length")
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_SANE:
            files.tokenizer_max_length = value


Fetch = Callable[[str], Any]
"""Reads one file of the repository as parsed JSON (``json.JSONDecodeError`` or ``UnicodeDecodeError`` when
it is not); None when the repository does not have it."""


def model_files(model_id: str, sha: str | None, listing: Mapping[str, int], fetch: Fetch) -> ModelFiles:
    """Read a repository's configuration files. ``listing`` maps its file paths to their sizes."""
    files = ModelFiles(model_id, sha)

    def get(path: str) -> Any:
        size = listing.get(path)
        if size is None:
            return None
        if size > MAX_FILE_BYTES:
            files.issues.append(DataIssue.of("hub-files", model_id, path, "file too large to be a configuration",
                                             "skipped", size))
            return None
        try:
            body = fetch(path)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:   # other errors are the reader's to judge
            files.issues.append(DataIssue.of("hub-files", model_id, path, "not valid JSON", "skipped", str(exc)))
            return None
        files.files.append(path)
        return body

    config, modules, sbert, tokenizer = (get(name) for name in ROOT_FILES)
    if config is not None:
        read_config(files, config)
    pooling_dir, dense_dirs = module_dirs(files, modules)
    pooling = get(f"{pooling_dir}/config.json") if pooling_dir else None
    read_output_dim(files, pooling, [get(f"{d}/config.json") for d in dense_dirs])
    read_lengths(files, sbert, tokenizer)
    return files


class HubFiles:
    """Reads configuration files through ``huggingface_hub`` (cached under ``cache_dir``), pinned to the
    commit the snapshot listed, so a file read once is never fetched again.

    Requests are retried under ``policy`` (:mod:`pipeline.retry`). What the Hub answers about the repository
    itself (missing, gated, a file that is not JSON) is the repository's result; a transport fault that
    outlasts the retries, or a Hub that does not answer, is raised: the snapshot fails and its rerun reads
    the files again, instead of storing an error that says nothing about the repository.
    """

    def __init__(self, endpoint: str, cache_dir: Path, token: str | bool | None = None,
                 policy: retry.RetryPolicy | None = None):
        self.endpoint = endpoint.rstrip("/")
        self.cache_dir = Path(cache_dir)
        self.token = token
        self.policy = policy or retry.RetryPolicy()

    def read(self, model_id: str, sha: str | None) -> ModelFiles:
        """One repository; a repository the Hub refuses or lacks is a result with ``error`` set."""
        from huggingface_hub import HfApi, hf_hub_download

        api = HfApi(endpoint=self.endpoint, token=self.token)
        try:
            info = retry.call(lambda _: api.model_info(model_id, revision=sha, files_metadata=True),
                              f"{model_id}: file listing", self.policy, self.endpoint)
        except Exception as exc:
            return ModelFiles(model_id, sha, error=_about_the_repository(exc))
        listing = {s.rfilename: s.size or 0 for s in info.siblings or []}
        revision = info.sha or sha

        def fetch(path: str) -> Any:
            try:
                local = retry.call(lambda attempt: hf_hub_download(
                    model_id, path, revision=revision, endpoint=self.endpoint, cache_dir=self.cache_dir,
                    token=self.token, force_download=attempt > 1), f"{model_id}/{path}", self.policy, self.endpoint)
            except Exception as exc:
                if retry.kind_of(exc) == retry.RECORD and retry.http_status(exc) == 404:
                    return None
                raise
            return json.loads(Path(local).read_text(encoding="utf-8"))

        try:
            return model_files(model_id, revision, listing, fetch)
        except Exception as exc:
            return ModelFiles(model_id, sha, error=_about_the_repository(exc))

    def read_many(self, models: Iterable[tuple[str, str | None]]) -> list[ModelFiles]:
        """Several repositories, :data:`WORKERS` at a time."""
        models = list(models)
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            return list(pool.map(lambda m: self.read(*m), models))


def _about_the_repository(exc: Exception) -> str:
    """What the Hub answered about the repository: the error type and HTTP status (``GatedRepoError: HTTP
    401``; the message is left out, it carries a request id that differs on every read), or the line of an
    error the client raised itself (a path it refuses). Any other failure (transport, an unreachable Hub, a
    bug) is raised again."""
    if retry.kind_of(exc) != retry.RECORD:
        raise exc
    status = retry.http_status(exc)
    return f"{type(exc).__name__}: HTTP {status}" if status is not None else error_line(exc)
