"""The temporary Prefect server that ``radar run`` starts dies with it, even on SIGKILL.

Without a configured ``PREFECT_API_URL`` Prefect starts a temporary API server (a uvicorn subprocess,
~220 MB) and stops it at exit; a SIGKILLed process never reaches its exit, and the server lived on,
re-parented to init. Here its command is routed through :mod:`pipeline.lifeline`, which ends the server
once its parent is gone. With a configured API server nothing changes (and nothing is imported).
"""

from __future__ import annotations

import subprocess
from typing import Any

from pipeline.lifeline import launcher_argv


class _TiedSubprocess:
    """``subprocess`` as Prefect's server module sees it, except that the uvicorn command is tied to us."""

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    @staticmethod
    def Popen(args: list[str], *rest: Any, **kwargs: Any) -> subprocess.Popen:  # noqa: N802 (subprocess's name)
        if isinstance(args, list) and args[1:3] == ["-m", "uvicorn"]:
            args = launcher_argv(args)
        return subprocess.Popen(args, *rest, **kwargs)


def tie_temporary_server_to_this_process() -> None:
    """Route the temporary server's start through the lifeline launcher (idempotent)."""
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return
    from prefect.server.api import server

    if not isinstance(server.subprocess, _TiedSubprocess):
        server.subprocess = _TiedSubprocess()  # type: ignore[assignment]
