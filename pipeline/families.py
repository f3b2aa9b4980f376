"""Model families: a GGUF or ONNX copy, a quantization or a fine-tune is not a new model.

A model's family is the root of its ``base_model`` chain. Copies that do not declare a base (common for
GGUF and ONNX conversions) join the family of the known model whose name they carry once the conversion
suffix is stripped (``someone/bge-large-zh-v1.5-GGUF`` -> ``BAAI/bge-large-zh-v1.5``); when several
models share that name, the most downloaded one wins, so the choice is stable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_COPY_SUFFIX = re.compile(
    r"([-_.](gguf|onnx|openvino|ov|mlx|awq|gptq|int4|int8|fp16|f16|bf16|q\d(_k)?(_[msl])?|q\d_\d|quantized|quant))+$",
    re.IGNORECASE,
)


def copy_base_name(model_id: str) -> str | None:
    """The name a conversion was made from (``bge-m3`` for ``x/bge-m3-onnx-int8``), else None."""
    name = model_id.split("/", 1)[1]
    stripped = _COPY_SUFFIX.sub("", name)
    return stripped.lower() if stripped and stripped != name else None


def assign_families(
    bases: Mapping[str, str | None], popularity: Mapping[str, int | None] | None = None
) -> dict[str, str]:
    """``model_id -> family_id`` for every id in ``bases`` (``model_id -> declared base or None``)."""
    popularity = popularity or {}
    by_name: dict[str, str] = {}
    for model_id in sorted(bases, key=lambda m: (-(popularity.get(m) or 0), m)):
        by_name.setdefault(model_id.split("/", 1)[1].lower(), model_id)

    def parent(model_id: str) -> str | None:
        declared = bases.get(model_id)
        if declared and declared != model_id:
            return declared
        name = copy_base_name(model_id)
        target = by_name.get(name) if name else None
        return target if target and target != model_id else None

    families: dict[str, str] = {}
    for model_id in bases:
        chain = [model_id]
        current = model_id
        while (nxt := parent(current)) is not None and nxt not in chain and len(chain) < 20:
            chain.append(nxt)
            current = nxt
        families[model_id] = chain[-1]
    return families



_SIZE_TOKEN = re.compile(
    r"^(?:x*small|base|x*large|xl|xxl|mini|tiny|medium|nano|micro|a?\d+(?:\.\d+)?[mbk]\d*)$", re.IGNORECASE)
"""A size in a model name: small/base/large ..., or a parameter count such as 80M, 0.6B, 1b1, a25m."""


def series_of(model_id: str) -> str:
    """The model series a model id names, its size replaced by ``*``: ``codefuse-ai/F2LLM-v2-80M`` ->
    ``codefuse-ai/F2LLM-v2-*``, ``BAAI/bge-small-zh-v1.5`` -> ``BAAI/bge-*-zh-v1.5``. Different sizes of one
    series are one choice for a shortlist; an id without a size token is its own series."""
    author, _, name = model_id.partition("/")
    parts = re.split(r"([-_]|\.(?!\d))", name)
    sized = [i for i, part in enumerate(parts) if i % 2 == 0 and _SIZE_TOKEN.match(part)]
    if not sized:
        return model_id
    parts[sized[-1]] = "*"
    return f"{author}/{''.join(parts)}"
