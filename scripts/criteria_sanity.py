"""Print the tables of docs/criteria.md that check the rankings against C-MTEB, from a warehouse.

For the latest ranking date (or ``--as-of``):

* per built-in profile, its top 10 (one row per model series, as ``radar top`` shows them) beside the top 10
  of C-MTEB by the task types the profile weighs, with the rank correlation (Spearman) between the
  profile's ranks and that C-MTEB measure over all ranked models;
* the pairwise correlation (Pearson) of the eight criteria scores over the ranked models of ``balanced``.

Usage: ``python scripts/criteria_sanity.py [--db data/radar.duckdb] [--config data/demo/radar.demo.toml]``
(run ``radar demo`` first). The output is Markdown, pasted into docs/criteria.md as it is.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import criteria  # noqa: E402
from pipeline.config import CRITERIA, Config, load_config  # noqa: E402
from warehouse import db  # noqa: E402

TOP = 10


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Rank correlation of two equally long arrays (average ranks for ties)."""
    ra = pl.Series(a).rank("average").to_numpy()
    rb = pl.Series(b).rank("average").to_numpy()
    return float(np.corrcoef(ra, rb)[0, 1])


def board(con, as_of: date, profile: str) -> pl.DataFrame:
    """The C-MTEB board by the profile's measure (its quality: the task types it weighs), over the models in
    its scope: within its size budget, with results of their own (a quantized copy repeats its base's)."""
    return con.sql(
        "SELECT r.model_id, r.quality AS cmteb FROM rankings r JOIN criteria_scores c USING (as_of, profile, model_id)"
        " WHERE r.as_of = ? AND r.profile = ? AND r.quality IS NOT NULL AND c.criterion = 'performance'"
        " AND NOT c.estimated AND r.status NOT IN ('over_budget', 'family_duplicate')"
        " ORDER BY r.quality DESC, r.model_id", params=[as_of, profile]).pl()


def ranked(con, as_of: date, profile: str) -> pl.DataFrame:
    return con.sql("SELECT model_id, rank, series_id, quality FROM rankings WHERE as_of = ? AND profile = ?"
                   " AND rank IS NOT NULL ORDER BY rank", params=[as_of, profile]).pl()


def one_per_series(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.unique("series_id", keep="first", maintain_order=True)


def profile_table(con, as_of: date, cfg: Config, profile: str) -> str:
    places = ranked(con, as_of, profile)
    measured = board(con, as_of, profile)
    joined = places.join(measured, on="model_id", how="inner")
    rho = spearman(-joined["rank"].to_numpy().astype(float), joined["cmteb"].to_numpy())
    shown = one_per_series(places).head(TOP)
    best = measured.head(TOP)
    what = ", ".join(f"{t} {w:g}" for t, w in criteria.task_weights(cfg.profile(profile)).items())
    lines = [f"**{profile}** - C-MTEB measure: {what}. Spearman between the profile's ranks and that measure over"
             f" its {joined.height} ranked models: **{rho:.2f}**.", "",
             f"| # | `radar top --profile {profile}` | its C-MTEB | C-MTEB top {TOP} | C-MTEB |",
             "|---|---|---|---|---|"]
    cmteb = dict(measured.iter_rows())
    for i in range(TOP):
        left = shown.row(i, named=True) if i < shown.height else None
        right = best.row(i, named=True) if i < best.height else None
        lines.append("| {} | {} | {} | {} | {} |".format(
            i + 1,
            f"{left['model_id']} (#{left['rank']})" if left else "",
            f"{cmteb.get(left['model_id'], float('nan')):.2f}" if left else "",
            right["model_id"] if right else "", f"{right['cmteb']:.2f}" if right else ""))
    return "\n".join(lines)


def correlations(con, as_of: date, profile: str = "balanced") -> str:
    scores = con.sql(
        "SELECT c.model_id, c.criterion, c.score FROM criteria_scores c JOIN rankings r USING (as_of, profile, model_id)"
        " WHERE c.as_of = ? AND c.profile = ? AND r.rank IS NOT NULL AND NOT c.missing",
        params=[as_of, profile]).pl()
    wide = scores.pivot(on="criterion", index="model_id", values="score")
    names = [c for c in CRITERIA if c in wide.columns]
    lines = [f"Pearson correlation of the criteria scores over the {wide.height} ranked models of `{profile}`"
             " (pairs of models where both are known):", "",
             "| | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    worst = (0.0, "", "")
    for a in names:
        cells = []
        for b in names:
            if a == b:
                cells.append("1")
                continue
            both = wide.select(a, b).drop_nulls()
            r = float(np.corrcoef(both[a].to_numpy(), both[b].to_numpy())[0, 1]) if both.height > 2 else float("nan")
            cells.append(f"{r:.2f}")
            if a < b and abs(r) > abs(worst[0]):
                worst = (r, a, b)
        lines.append(f"| {a} | " + " | ".join(cells) + " |")
    lines += ["", f"Largest: {worst[1]} / {worst[2]} {worst[0]:.2f}."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=str(ROOT / "data" / "radar.duckdb"))
    parser.add_argument("--config", default=str(ROOT / "data" / "demo" / "radar.demo.toml"))
    parser.add_argument("--as-of", type=date.fromisoformat)
    args = parser.parse_args(argv)
    cfg = load_config(args.config)
    with db.reader(args.db) as con:
        as_of = args.as_of or con.execute("SELECT max(as_of) FROM rankings").fetchall()[0][0]
        print(f"As of {as_of}, protocol {cfg.scores.protocol}.\n")
        for profile in ("balanced", "rag", "cpu-edge", "commercial"):
            print(profile_table(con, as_of, cfg, profile) + "\n")
        print(correlations(con, as_of))
    return 0


if __name__ == "__main__":
    sys.exit(main())
