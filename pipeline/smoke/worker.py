"""The smoke-test worker: one model, in its own process, loaded both ways, checked and measured.

Run by :mod:`pipeline.smoke.runner` as ``python -m pipeline.smoke.worker --model-dir DIR ...``, never
in the flow's process: loading untrusted weights and code can hang, crash or exhaust memory, and the
runner's limits can only contain that in a separate process. The model is read from a local folder
(the downloaded snapshot) with the Hub offline.

The two ways are the blog's (``AutoTokenizer`` + ``AutoModel``, attention-masked mean pooling over
``last_hidden_state``, with truncation) and sentence-transformers (only when the repo has
``modules.json``). Progress goes to stderr as ``@@phase NAME`` lines, so the runner can say where a
killed worker was; stdout carries exactly one line, the JSON result.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.smoke import checks as ck
from pipeline.smoke.checks import Check
from pipeline.smoke.result import PHASE_PREFIX, status_of

HF = "transformers"
ST = "sentence_transformers"
MIN_TIMED_SECONDS = 0.5
"""Throughput: encode the corpus repeatedly until at least this long has passed (tiny models take ms)."""
MAX_TIMED_ROUNDS = 20
SAMPLE_SIZE = 8
"""Corpus sentences (plus the edge inputs) that the per-backend checks and the agreement check encode."""
PACKAGES = ("torch", "transformers", "sentence-transformers", "tokenizers", "huggingface_hub", "safetensors",
            "numpy")


def phase(name: str) -> None:
    print(PHASE_PREFIX + name, file=sys.stderr, flush=True)


@dataclass
class Backend:
    """A loaded way of embedding: ``encode`` returns float32 (n, dim); ``token_count`` counts a text's tokens."""

    name: str
    load_seconds: float
    declared_dim: int
    max_tokens: int
    encode: Callable[[list[str]], np.ndarray]
    token_count: Callable[[str], int]


def _sane_length(value: Any) -> int | None:
    """Tokenizers without a limit report 1e30 as ``model_max_length``."""
    return int(value) if isinstance(value, int) and 0 < value < 1_000_000 else None


def load_transformers(model_dir: Path, trust_remote_code: bool, batch_size: int) -> tuple[Backend, Any]:
    """The m3e-base snippet: AutoTokenizer + AutoModel, mean pooling over the attention mask, truncation on."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(model_dir, trust_remote_code=trust_remote_code)
    model = AutoModel.from_pretrained(model_dir, trust_remote_code=trust_remote_code).eval()
    load_seconds = time.perf_counter() - started
    positions = _sane_length(getattr(model.config, "max_position_embeddings", None))
    declared = _sane_length(tokenizer.model_max_length)
    if declared:
        max_tokens = min(declared, positions) if positions else declared
    else:   # RoBERTa-style position ids start after the padding index: keep 2 spare
        max_tokens = positions - 2 if positions else 512

    def encode(texts: list[str]) -> np.ndarray:
        out = []
        with torch.inference_mode():
            for i in range(0, len(texts), batch_size):
                batch = tokenizer(texts[i:i + batch_size], padding=True, truncation=True, max_length=max_tokens,
                                  return_tensors="pt")
                hidden = model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                out.append(((hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)).float().numpy())
        return np.concatenate(out) if out else np.zeros((0, model.config.hidden_size), dtype=np.float32)

    def token_count(text: str) -> int:
        return len(tokenizer(text, truncation=True, max_length=max_tokens)["input_ids"])

    backend = Backend(HF, load_seconds, int(model.config.hidden_size), max_tokens, encode, token_count)
    return backend, tokenizer


def load_sentence_transformers(model_dir: Path, trust_remote_code: bool, batch_size: int) -> tuple[Backend, Any]:
    """``SentenceTransformer(folder)``: the repo's own module pipeline (pooling, dense, normalize)."""
    from sentence_transformers import SentenceTransformer

    started = time.perf_counter()
    model = SentenceTransformer(str(model_dir), device="cpu", trust_remote_code=trust_remote_code,
                                local_files_only=True)
    load_seconds = time.perf_counter() - started
    dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension

    def encode(texts: list[str]) -> np.ndarray:
        return np.asarray(model.encode(texts, batch_size=batch_size, convert_to_numpy=True,
                                       show_progress_bar=False), dtype=np.float32)

    preprocess = getattr(model, "preprocess", None) or model.tokenize   # ``tokenize`` before ST 6

    def token_count(text: str) -> int:
        return int(preprocess([text])["input_ids"].shape[1])

    backend = Backend(ST, load_seconds, int(dimension()), int(model.max_seq_length or 0), encode, token_count)
    return backend, model.tokenizer


def _guard(name: str, backend: str | None, fn: Callable[[], Check]) -> Check:
    try:
        return fn()
    except Exception as exc:   # a check that raises is a failed check, with the reason
        return ck.error_check(name, backend, exc)


def backend_checks(b: Backend) -> tuple[list[Check], np.ndarray | None]:
    """The per-backend checks; also returns the corpus-sample embeddings for the agreement check."""
    sample = list(ck.CORPUS[:SAMPLE_SIZE]) + list(ck.EDGE_INPUTS)
    found: list[Check] = []
    try:
        first = b.encode(sample)
    except Exception as exc:   # encoding itself fails: every check of this backend fails with it
        return [ck.error_check("encode", b.name, exc)], None
    found.append(_guard("dimension", b.name, lambda: ck.check_dimension(first, b.declared_dim, b.name, len(sample))))
    found.append(_guard("finite", b.name, lambda: ck.check_finite(first, b.name)))
    found.append(_guard("deterministic", b.name, lambda: ck.check_deterministic(first, b.encode(sample), b.name)))
    alone = [0, SAMPLE_SIZE // 2, len(sample) - 1]   # the last, a one-character input, is padded the most
    found.append(_guard("batch_invariance", b.name, lambda: ck.check_batch_invariance(
        np.concatenate([b.encode([sample[i]]) for i in alone]), first[alone], b.name)))
    phase(f"long_input:{b.name}")
    found.append(_guard("long_input", b.name, lambda: ck.check_long_input(
        b.encode([ck.LONG_INPUT]), first.shape[1], b.token_count(ck.LONG_INPUT), b.max_tokens, b.name)))
    return found, first[:SAMPLE_SIZE]


def tokenizer_unk_rate(tokenizer: Any) -> tuple[float, bool]:
    """Unknown-token rate of the tokenizer on the fixed Chinese corpus (special tokens excluded)."""
    unk_id = getattr(tokenizer, "unk_token_id", None)
    ids = [tokenizer(text, add_special_tokens=False)["input_ids"] for text in ck.CORPUS]
    return ck.unk_rate(ids, unk_id), unk_id is not None


def throughput(b: Backend) -> float:
    """Sentences per second on the fixed corpus, warm (the checks already ran the model)."""
    corpus = list(ck.CORPUS)
    rounds, started = 0, time.perf_counter()
    while rounds < MAX_TIMED_ROUNDS and (rounds == 0 or time.perf_counter() - started < MIN_TIMED_SECONDS):
        b.encode(corpus)
        rounds += 1
    return rounds * len(corpus) / (time.perf_counter() - started)


def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = None
    return out


def hardware(threads: int) -> dict[str, Any]:
    cpu = platform.processor() or None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    except (ValueError, OSError, AttributeError):
        memory_mb = None
    return {"system": f"{platform.system()} {platform.release()}", "machine": platform.machine(), "cpu": cpu,
            "cpu_count": os.cpu_count(), "memory_mb": memory_mb, "threads": threads, "accelerator": "cpu"}


def _needs_remote_code(exc: BaseException) -> bool:
    text = str(exc)
    return "trust_remote_code" in text or "contains custom code" in text


def _load_failure(report: dict[str, dict[str, Any]]) -> tuple[str, str]:
    """Failure class and message when no backend loaded.

    A load that failed only because remote code was refused is a security refusal, not a broken model.
    """
    refused = all(r.get("needs_remote_code") for r in report.values())
    errors = list(dict.fromkeys(r["error"] for r in report.values()))
    return ("remote_code_refused" if refused else "load_error"), "; ".join(errors)


def smoke(model_dir: Path, threads: int, batch_size: int, trust_remote_code: bool, semantic: bool) -> dict[str, Any]:
    """Load the model both ways, run every check, measure; the result is JSON-serialisable."""
    phase("import")
    started = time.perf_counter()
    import torch
    import transformers  # noqa: F401  (timed here, so load_seconds is the model's own load time)

    torch.set_num_threads(threads)
    loaders = [(HF, load_transformers)]
    if (model_dir / "modules.json").is_file():
        import sentence_transformers  # noqa: F401

        loaders.append((ST, load_sentence_transformers))
    import_seconds = time.perf_counter() - started
    loaded: dict[str, Backend] = {}
    tokenizers: dict[str, Any] = {}
    report: dict[str, dict[str, Any]] = {}
    for name, loader in loaders:
        phase(f"load:{name}")
        try:
            loaded[name], tokenizers[name] = loader(model_dir, trust_remote_code, batch_size)
            report[name] = {"loaded": True, "error": None, "load_seconds": round(loaded[name].load_seconds, 3)}
        except Exception as exc:   # a model that does not load is the finding, not a worker error
            report[name] = {"loaded": False, "error": ck.error_check("load", name, exc).detail,
                            "needs_remote_code": _needs_remote_code(exc)}
    result: dict[str, Any] = {"import_seconds": round(import_seconds, 3), "backends": report,
                              "threads": threads, "batch_size": batch_size}
    if not loaded:
        failure_class, error = _load_failure(report)
        return {**result, "status": status_of(failure_class), "failure_class": failure_class, "checks": [],
                "error": error}

    all_checks: list[Check] = []
    samples: dict[str, np.ndarray] = {}
    for name, b in loaded.items():
        phase(f"checks:{name}")
        found, sample = backend_checks(b)
        all_checks += found
        if sample is not None:
            samples[name] = sample
        report[name].update(dimension=b.declared_dim, max_seq_length=b.max_tokens)
    primary = loaded.get(ST) or loaded[HF]
    phase("unk_rate")
    tokenizer = tokenizers.get(HF) or tokenizers[primary.name]
    rate, has_unk = tokenizer_unk_rate(tokenizer)
    all_checks.append(ck.check_unk_rate(rate, has_unk))
    phase("similarity")
    flat = [s for triple in ck.SIMILARITY_TRIPLES for s in triple]
    all_checks.append(_guard("similarity", primary.name,
                             lambda: ck.check_similarity(primary.encode(flat), primary.name, semantic)))
    if HF in samples and ST in samples:
        all_checks.append(ck.check_agreement(samples[HF], samples[ST]))
    phase(f"throughput:{primary.name}")
    try:
        report[primary.name]["sentences_per_second"] = round(throughput(primary), 2)
    except Exception as exc:   # the checks already failed on it; the figure stays unknown
        report[primary.name]["error"] = ck.error_check("throughput", primary.name, exc).detail
    summary = ck.failed_summary(all_checks)
    failure_class = "check_failed" if summary else None
    first_dim = samples.get(primary.name)
    return {
        **result,
        "status": status_of(failure_class),
        "failure_class": failure_class,
        "error": summary,
        "checks": [c.to_dict() for c in all_checks],
        "primary_backend": primary.name,
        "load_seconds": round(primary.load_seconds, 3),
        "sentences_per_second": report[primary.name].get("sentences_per_second"),
        "embedding_dim": int(first_dim.shape[1]) if first_dim is not None else None,
        "declared_dim": primary.declared_dim,
        "max_seq_length": primary.max_tokens,
        "unk_rate": round(rate, 4),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.smoke.worker", description=__doc__.split("\n")[0])
    parser.add_argument("--model-dir", required=True, type=Path)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--trust-remote-code", action="store_true")
    parser.add_argument("--semantic", action="store_true", help="the model is real: apply the similarity check")
    args = parser.parse_args(argv)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))   # a crashing model must not dump its memory to disk
    result_fd = os.dup(1)
    os.dup2(2, 1)   # libraries print to stdout; only the JSON result may go there
    try:
        result = smoke(args.model_dir, args.threads, args.batch_size, args.trust_remote_code, args.semantic)
    except Exception as exc:   # the worker itself broke: still one JSON line, classified as a crash
        result = {"status": status_of("crash"), "failure_class": "crash", "checks": [],
                  "error": ck.error_check("worker", None, exc).detail}
    phase("done")
    result.update(peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                  versions=versions(), hardware=hardware(args.threads))
    sys.stdout.flush()
    os.write(result_fd, (json.dumps(result, ensure_ascii=False, default=str) + "\n").encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
