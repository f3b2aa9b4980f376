"""``radar replay-hub``: serve recorded Hub data on loopback until Ctrl-C."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from pipeline.replay_hub.data import REPO_TYPES, ReplayData, ReplayDataError, RepoVersion
from pipeline.replay_hub.server import ReplayHub


def parse_repo_spec(spec: str) -> tuple[str, str, Path]:
    """``[model:|dataset:]org/name=DIR`` (the ``--repo`` option) -> (repo type, repo id, folder)."""
    repo, sep, folder = spec.partition("=")
    repo_type, colon, repo_id = repo.partition(":")
    if not colon:
        repo_type, repo_id = "model", repo
    if not sep or not folder or repo_type not in REPO_TYPES:
        raise ReplayDataError(f"repo spec must look like [model:|dataset:]org/name=DIR, got {spec!r}")
    return repo_type, repo_id, Path(folder)


def serve(port: int, as_of: date | None, data_dir: Path | None = None,
          extra_repos: Iterable[tuple[str, str, Path]] = (), *, data: ReplayData | None = None,
          host: str = "127.0.0.1") -> None:
    """Serve recorded data until Ctrl-C, printing the URL and the ``export HF_ENDPOINT=...`` line.

    The data is either ``data_dir`` (models.jsonl + history.csv) or a prepared ``data`` (the demo's,
    with its repos registered). ``extra_repos`` are (repo type, repo id, folder) triples, e.g. from
    :func:`parse_repo_spec`, added as downloadable repos.
    """
    if (data is None) == (data_dir is None):
        raise ValueError("serve() needs exactly one of data_dir and data")
    data = data if data is not None else ReplayData.load(data_dir)
    for repo_type, repo_id, folder in extra_repos:
        data.add_repo(repo_type, repo_id, [RepoVersion.from_dir(folder)])
    with ReplayHub(data, host=host, port=port, as_of=as_of) as hub:
        dates = f"{data.dates[0]} .. {data.dates[-1]}" if data.dates else "no history"
        print(f"replay Hub: {len(data.records)} models ({dates}), as of {as_of or 'the latest date'}, at {hub.url}")
        print(f"export HF_ENDPOINT={hub.url}", flush=True)
        print(f"LFS files are redirected to {hub.cdn_url}; the Hub announces Xet storage, which it does not "
              "serve: run other clients with HF_HUB_DISABLE_XET=1 (docs/replay-hub.md)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("replay Hub stopped")
