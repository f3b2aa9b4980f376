"""Keep secrets out of everything the project writes (run records, logs, reports).

Hugging Face tokens start with ``hf_``; a value read from ``HF_TOKEN`` is masked wherever it appears,
whatever its shape.
"""

from __future__ import annotations

import os
import re

_TOKEN_PATTERN = re.compile(r"\bhf_[A-Za-z0-9]{8,}\b")
_BEARER = re.compile(r"(?i)(authorization:\s*bearer\s+)\S+")


def redact(text: str) -> str:
    """``text`` with every Hugging Face token replaced by ``hf_***``."""
    if not text:
        return text
    for var in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        secret = os.environ.get(var)
        if secret and len(secret) >= 4:
            text = text.replace(secret, "hf_***")
    text = _BEARER.sub(r"\1***", text)
    return _TOKEN_PATTERN.sub("hf_***", text)
