"""C-MTEB protocols over the full bundled results, side by side with mteb's own table, in one run.

Both sides get the same data: ``data/sources/mteb`` laid out as a results repository (4,629 files,
257 models). Ours: read the checkout (``CheckoutResults``), then all three protocols (``compute_all``)
and the whole snapshot build (protocols + warehouse tables + model metadata). mteb's: in its throw-away
venv (scripts/mteb_reference_table.py), ``ResultCache.load_results`` then ``get_benchmark_result()`` for
``MTEB(cmn, v1)``, the one protocol it has. Compute times are the best of ``--repeat`` runs.

Target: all three protocols < 1 s. Run: ``.venv/bin/python benchmarks/bench_cmteb.py [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.cmteb.protocols import compute_all  # noqa: E402
from pipeline.cmteb.snapshot import build_snapshot  # noqa: E402
from pipeline.cmteb.sources import CheckoutResults  # noqa: E402


def best_of(repeat: int, fn: Callable[[], object]) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def reference_script():
    spec = importlib.util.spec_from_file_location("mteb_reference_table", ROOT / "scripts" / "mteb_reference_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    ref = reference_script()
    with tempfile.TemporaryDirectory(prefix="bench-cmteb-") as tmp:
        work = Path(tmp)
        files = ref.lay_out(work)
        source = CheckoutResults(work / "remote")
        read_s, snapshot = best_of(1, lambda: source.load(source.version()))
        protocols_s, results = best_of(args.repeat, lambda: compute_all(snapshot.scores))
        previous = build_snapshot(snapshot, {}, None).tables
        build_s, _ = best_of(args.repeat, lambda: build_snapshot(snapshot, {}, previous))
        mteb = ref.run_mteb(work, None, args.repeat)
    boards = {p: (r.board.height, int(r.board["mean_task"].is_not_null().sum())) for p, r in results.items()}
    print(f"data: {files} files, {snapshot.scores.height} cells, {len(snapshot.metas)} model_meta.json")
    print(f"boards (models, with a full mean): {boards}")
    print(f"ours   read checkout            {read_s:7.3f} s")
    print(f"ours   3 protocols              {protocols_s:7.3f} s   (target < 1 s, best of {args.repeat})")
    print(f"ours   whole snapshot build     {build_s:7.3f} s   (+ tables, metadata, changes vs the last)")
    print(f"mteb   load_results             {mteb['load_s']:7.3f} s   (mteb {mteb['mteb']})")
    print(f"mteb   summary table, 1st call  {mteb['first_table_s']:7.3f} s")
    print(f"mteb   summary table            {mteb['table_s']:7.3f} s   (1 protocol, best of {args.repeat})")
    print(f"ratio  3 protocols / mteb table           {protocols_s / mteb['table_s']:.2f}x")
    print(f"ratio  read + 3 protocols / mteb load + table  "
          f"{(read_s + protocols_s) / (mteb['load_s'] + mteb['table_s']):.2f}x")


if __name__ == "__main__":
    main()
