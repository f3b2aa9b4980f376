"""The smoke test's checks: plain functions over embedding matrices, each returning a :class:`Check`.

Every check can fail, and each failure is something a user would hit: a wrong declared dimension breaks
a vector index, NaNs or collapsed vectors break retrieval, non-determinism or padding leaking into the
pooling makes results depend on batch composition, a crash on long input breaks ingestion, and a
tokenizer that maps Chinese to ``[UNK]`` makes every Chinese sentence look alike. Thresholds follow the
measurements in reference/smoke-test.md §5-6 (observed differences are orders of magnitude below them).
The fixed inputs live here too, so every model is measured on the same text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any

import numpy as np

UNK_RATE_MAX = 0.05
"""Above 5 % unknown tokens on Chinese text, a model cannot read Chinese (all-MiniLM-L6-v2: ~50 %)."""
NORM_MIN = 1e-6
SPREAD_MIN = 1e-4
"""Mean per-dimension standard deviation over different inputs; below it every input maps to one vector."""
DETERMINISM_ATOL = 1e-5
BATCH_ATOL = 1e-4
AGREEMENT_MIN_COSINE = 0.9999
LONG_INPUT_CHARS = 10_000

CORPUS: tuple[str, ...] = tuple(
    line.strip()
    for line in resources.files("pipeline.smoke").joinpath("zh_corpus.txt").read_text(encoding="utf-8").splitlines()
    if line.strip()
)
"""100 short Chinese sentences (12 characters on average): throughput and the unknown-token rate."""

EDGE_INPUTS: tuple[str, ...] = ("", " ", "。", "a")
"""Inputs that must still give finite, non-zero vectors."""

SIMILARITY_TRIPLES: tuple[tuple[str, str, str], ...] = (
    ("今天天气很好，我们去公园散步吧。", "今天天气不错，适合去公园散步。", "这家餐厅的火锅非常辣。"),
    ("机器学习需要大量的数据。", "训练机器学习模型要用很多数据。", "他昨天去医院看病了。"),
    ("我喜欢在周末看电影。", "周末我最喜欢去电影院看电影。", "银行明天开始调整贷款利率。"),
    ("这本书的故事非常感人。", "这本小说的故事很感人。", "北京地铁早高峰很拥挤。"),
    ("请问火车站怎么走？", "去火车站应该怎么走？", "我的手机屏幕摔坏了。"),
    ("医生建议他多喝水多休息。", "医生让他多休息，多喝水。", "这支球队赢得了冠军。"),
)
"""(anchor, paraphrase, unrelated): a real model must score every paraphrase above the unrelated sentence."""

LONG_INPUT: str = ("".join(CORPUS) * (LONG_INPUT_CHARS // len("".join(CORPUS)) + 1))[:LONG_INPUT_CHARS]


@dataclass(frozen=True)
class Check:
    """One check on one backend (``None``: the model as a whole). ``passed`` is ``None`` when not applicable."""

    name: str
    backend: str | None
    passed: bool | None
    value: Any = None
    limit: Any = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _cosine_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return np.sum(a * b, axis=1)


def check_dimension(emb: np.ndarray, declared: int, backend: str, n_inputs: int) -> Check:
    """The output shape is (inputs, declared dimension)."""
    shape = tuple(int(x) for x in emb.shape)
    ok = shape == (n_inputs, int(declared))
    return Check("dimension", backend, ok, value=shape[-1] if shape else None, limit=int(declared),
                 detail="" if ok else f"output shape {shape}, declared dimension {declared}")


def check_finite(emb: np.ndarray, backend: str) -> Check:
    """No NaN/inf, no zero vector, and different inputs give different vectors."""
    if not np.isfinite(emb).all():
        bad = int((~np.isfinite(emb)).any(axis=1).sum())
        return Check("finite", backend, False, value=bad, detail=f"{bad} vectors contain NaN or inf")
    norms = np.linalg.norm(emb, axis=1)
    if (norms <= NORM_MIN).any():
        return Check("finite", backend, False, value=float(norms.min()), limit=NORM_MIN,
                     detail=f"{int((norms <= NORM_MIN).sum())} zero vectors")
    spread = float(emb.std(axis=0).mean())
    ok = spread > SPREAD_MIN
    return Check("finite", backend, ok, value=spread, limit=SPREAD_MIN,
                 detail="" if ok else "every input maps to (nearly) the same vector")


def check_deterministic(first: np.ndarray, second: np.ndarray, backend: str) -> Check:
    """Encoding the same inputs twice gives the same vectors."""
    diff = float(np.abs(first - second).max()) if first.size else 0.0
    ok = first.shape == second.shape and diff <= DETERMINISM_ATOL
    return Check("deterministic", backend, ok, value=diff, limit=DETERMINISM_ATOL,
                 detail="" if ok else f"two encodings differ by up to {diff:.3g}")


def check_batch_invariance(alone: np.ndarray, in_batch: np.ndarray, backend: str) -> Check:
    """A sentence encoded alone equals the same sentence inside a padded batch (the mask is honoured)."""
    diff = float(np.abs(alone - in_batch).max())
    ok = diff <= BATCH_ATOL
    return Check("batch_invariance", backend, ok, value=diff, limit=BATCH_ATOL,
                 detail="" if ok else f"alone vs in a padded batch differ by up to {diff:.3g}")


def check_long_input(emb: np.ndarray, dim: int, n_tokens: int, max_tokens: int, backend: str) -> Check:
    """A 10,000-character input gives one finite vector, from at most ``max_tokens`` tokens."""
    problems = []
    if tuple(emb.shape) != (1, dim):
        problems.append(f"shape {tuple(emb.shape)}")
    elif not np.isfinite(emb).all():
        problems.append("non-finite vector")
    if n_tokens > max_tokens:
        problems.append(f"{n_tokens} tokens > max {max_tokens} (not truncated)")
    return Check("long_input", backend, not problems, value=n_tokens, limit=max_tokens, detail="; ".join(problems))


def unk_rate(token_ids: Sequence[Sequence[int]], unk_id: int | None) -> float:
    """Share of unknown tokens among all tokens (special tokens excluded by the caller)."""
    total = sum(len(ids) for ids in token_ids)
    if unk_id is None or total == 0:
        return 0.0
    return sum(1 for ids in token_ids for i in ids if i == unk_id) / total


def check_unk_rate(rate: float, has_unk_token: bool) -> Check:
    """The tokenizer reads Chinese: few unknown tokens on the fixed Chinese sample."""
    ok = rate <= UNK_RATE_MAX
    if not has_unk_token:
        detail = "the tokenizer has no unknown token (byte-level)"
    else:
        detail = "" if ok else f"{rate:.1%} of Chinese tokens are unknown: the tokenizer cannot read Chinese"
    return Check("unk_rate", None, ok, value=round(rate, 4), limit=UNK_RATE_MAX, detail=detail)


def check_similarity(emb: np.ndarray, backend: str, applies: bool) -> Check:
    """For real models: every paraphrase scores above its unrelated sentence (rows: a, p, u, a, p, u, ...)."""
    if not applies:
        return Check("similarity", backend, None, detail="not applicable: the model is not marked real")
    anchors, paraphrases, unrelated = emb[0::3], emb[1::3], emb[2::3]
    margins = _cosine_rows(anchors, paraphrases) - _cosine_rows(anchors, unrelated)
    failed = [SIMILARITY_TRIPLES[i][0] for i in np.flatnonzero(margins <= 0)]
    return Check("similarity", backend, not failed, value=round(float(margins.min()), 4), limit=0.0,
                 detail="" if not failed else f"unrelated sentence scored higher for: {'; '.join(failed)}")


def check_agreement(hf: np.ndarray, st: np.ndarray) -> Check:
    """transformers mean pooling and sentence-transformers give the same directions (cosine per sentence)."""
    if hf.shape != st.shape:
        return Check("backends_agree", None, None, detail=f"not comparable: shapes {hf.shape} vs {st.shape} "
                     "(the sentence-transformers pipeline changes the dimension)")
    low = float(_cosine_rows(hf, st).min())
    ok = low >= AGREEMENT_MIN_COSINE
    return Check("backends_agree", None, ok, value=round(low, 6), limit=AGREEMENT_MIN_COSINE,
                 detail="" if ok else "mean pooling differs from the sentence-transformers pipeline "
                 "(another pooling mode, or extra modules)")


def error_check(name: str, backend: str | None, exc: BaseException) -> Check:
    """A check whose code raised: failed, with the exception as the detail."""
    message = " ".join(str(exc).split())[:300]
    return Check(name, backend, False, detail=f"{type(exc).__name__}: {message}")


def failed_summary(checks: Sequence[Check]) -> str | None:
    """One line naming the failed checks, or ``None`` when none failed."""
    failed = [c for c in checks if c.passed is False]
    if not failed:
        return None
    parts = [f"{c.name}[{c.backend}]" if c.backend else c.name for c in failed]
    first = next((c.detail for c in failed if c.detail), "")
    return f"failed checks: {', '.join(parts)}" + (f" ({first})" if first else "")
