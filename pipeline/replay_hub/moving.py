"""A moving Hub: counters change and new models appear while a client pages through ``GET /api/models``.

On huggingface.co a listing is read over many requests while the Hub keeps changing: the 30-day
download counts, likes and trending scores of thousands of models move between two pages, and new
models are created. With keyset pagination (the cursor holds the last item's sort value and ``_id``) a
listing sorted by a moving counter skips a model whose value jumps over the cursor and repeats one
whose value falls behind it; new models land wherever their values put them.

:class:`MovingHub` replays that, seeded and reproducible: before each listing page is answered it
changes the counters of a share of the listed models (downloads multiplied by a factor within
``[1/swing, swing]``, likes and trending scores redrawn around their values) and creates ``inserts``
new models, copies of listed ones (tags, library, card) under a new id with a creation time after every
existing model. With a sequential client the same seed gives the same Hub, page after page; the state
after the last page is the ground truth a snapshot is measured against. :meth:`MovingHub.undo` puts
the data back as it was.
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from pipeline.replay_hub.data import ReplayData, Stats, parse_hub_datetime

HUB_FORMAT = "%Y-%m-%dT%H:%M:%S.000Z"


@dataclass
class MovingHub:
    """How much the Hub moves before each listing page; ``seed`` makes it reproducible."""

    seed: int = 0
    share: float = 0.05
    """Share of the listed models whose counters change before each page."""
    inserts: int = 3
    """New models created before each page."""
    swing: float = 2.0
    """Downloads are multiplied by a factor within ``[1/swing, swing]``."""
    pages: int = field(default=0, init=False)
    moved: int = field(default=0, init=False)
    created: list[str] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        if not 0 <= self.share <= 1:
            raise ValueError(f"moving share must be within [0, 1], got {self.share}")
        if self.inserts < 0:
            raise ValueError(f"moving inserts must be >= 0, got {self.inserts}")
        if self.swing < 1:
            raise ValueError(f"moving swing must be >= 1, got {self.swing}")
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        self._original: dict[tuple[date | None, str], Stats | None] = {}
        self._clock: datetime | None = None

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> MovingHub:
        """The ``POST /_replay/moving`` body: ``{"seed": 1, "share": 0.05, "inserts": 3, "swing": 2.0}``."""
        allowed = {"seed", "share", "inserts", "swing"}
        if not isinstance(payload, dict) or set(payload) - allowed:
            raise ValueError(f"a moving Hub is an object with keys among {sorted(allowed)}, got {payload!r}")
        return cls(**payload)

    def to_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "share": self.share, "inserts": self.inserts, "swing": self.swing,
                "pages": self.pages, "moved": self.moved, "created": len(self.created)}

    def advance(self, data: ReplayData, as_of: date | None) -> None:
        """Move the Hub one step (called before a listing page is answered)."""
        day = data.snapshot_date(as_of)
        if data.history and day is None:
            return
        with self._lock:
            self.pages += 1
            listed = data.listed_models(as_of)
            if not listed:
                return
            changes: dict[str, Stats | None] = {}
            for repo in self._rng.sample(listed, math.ceil(self.share * len(listed))):
                if repo.stats is not None:
                    changes[repo.repo_id] = self._moved(repo.stats)
                    self._original.setdefault((day, repo.repo_id), repo.stats)
            if changes:
                data.set_stats(day, changes)
                self.moved += len(changes)
            for _ in range(self.inserts):
                self._create(data, day, listed)

    def undo(self, data: ReplayData) -> None:
        """Put every changed counter back and remove the created models."""
        with self._lock:
            by_day: dict[date | None, dict[str, Stats | None]] = {}
            created = set(self.created)
            for (day, model_id), stats in self._original.items():
                if model_id not in created:
                    by_day.setdefault(day, {})[model_id] = stats
            for day, changes in by_day.items():
                data.set_stats(day, changes)
            for model_id in self.created:
                data.remove_model(model_id)
            self._original.clear()
            self.created.clear()

    def _moved(self, stats: Stats) -> Stats:
        factor = math.exp(self._rng.uniform(-math.log(self.swing), math.log(self.swing)))
        downloads = max(0, round(stats.downloads * factor) + self._rng.randint(0, 3))
        trending = stats.trending_score if not isinstance(stats.trending_score, (int, float)) else \
            max(0, round(stats.trending_score * factor) + self._rng.randint(-2, 2))
        return Stats(downloads=downloads, downloads_all_time=stats.downloads_all_time + max(0, downloads -
                     stats.downloads), likes=max(0, stats.likes + self._rng.randint(-1, 2)), trending_score=trending)

    def _create(self, data: ReplayData, day: date | None, listed: list) -> None:
        template = self._rng.choice(listed).record
        if self._clock is None:
            self._clock = max((_created(r.record) for r in listed), default=datetime(2022, 3, 2, tzinfo=timezone.utc))
        self._clock += timedelta(seconds=1)
        author, _, name = template["id"].partition("/")
        model_id = f"{author}/{name[:80]}-moved-{self.seed}-{len(self.created)}"
        stamp = self._clock.strftime(HUB_FORMAT)
        record = {key: template[key] for key in ("tags", "pipeline_tag", "library_name", "cardData", "safetensors")
                  if key in template}
        record.update(id=model_id, createdAt=stamp, lastModified=stamp)
        data.add_model(record, day, Stats(downloads=self._rng.randint(0, 50), downloads_all_time=0, likes=0,
                                          trending_score=self._rng.randint(0, 5)))
        self.created.append(model_id)


def _created(record: dict[str, Any]) -> datetime:
    stamp = record.get("createdAt")
    try:
        return parse_hub_datetime(stamp) if isinstance(stamp, str) else datetime(2022, 3, 2, tzinfo=timezone.utc)
    except ValueError:
        return datetime(2022, 3, 2, tzinfo=timezone.utc)
