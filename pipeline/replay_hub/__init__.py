"""The replay Hub: a faithful local stand-in of the Hugging Face Hub API (docs/replay-hub.md).

It answers what huggingface_hub, transformers and sentence-transformers send, serves recorded data as of
a chosen date, and injects faults on demand. Point clients at it with ``HF_ENDPOINT`` (set before
huggingface_hub is imported) or ``endpoint=``.
"""

from pipeline.replay_hub.data import ReplayData, ReplayDataError, RepoVersion
from pipeline.replay_hub.faults import FaultPlan, FaultRule
from pipeline.replay_hub.server import ReplayHub

__all__ = ["FaultPlan", "FaultRule", "ReplayData", "ReplayDataError", "ReplayHub", "RepoVersion"]
