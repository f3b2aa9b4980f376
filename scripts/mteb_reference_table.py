"""mteb's own ``MTEB(cmn, v1)`` summary table on the bundled results: the ``leaderboard`` protocol's oracle.

What it does, in two processes:

1. here (the project's venv): lay ``data/sources/mteb`` back out as a results repository
   (``pipeline.cmteb.replay_dataset.results_tree``: every task file in its own format - current or
   pre-1.11 - and every ``model_meta.json``) under ``<work>/remote/results/``, which is where mteb's
   ``ResultCache(<work>)`` looks for a clone of ``embeddings-benchmark/results``;
2. in a throw-away venv (``data/build/mteb-venv``, created on first use: ``pip install mteb==2.26.24
   --no-deps`` plus the packages it imports to read results - no torch, transformers or
   sentence-transformers): ``ResultCache(<work>).load_results(models=<registered models>,
   require_model_meta=False, only_main_score=True)`` - the load ``push_leaderboard_parquet.py`` runs to
   build the ``mteb/results`` parquet the pipeline reads - then, with ``MTEB(cmn, v1)`` as the
   benchmark, ``get_benchmark_result()``, and write its rows.

Why not ``load_results(tasks=benchmark)``: that path filter matches file names, so pre-1.11 files still
named ``CMedQAv1.json``/``CMedQAv2.json`` are never opened, while the unfiltered load (and therefore the
parquet) converts them to ``CMedQAv1-reranking``/``CMedQAv2-reranking`` with no main score. Means are
identical either way; the Borda ranks of 23 models differ by one or two places, because
gte-Qwen1.5-7B-instruct's two CMedQA tasks then come from its ``external`` folder.

Outputs (committed):

* ``tests/fixtures/mteb_reference_table.csv``: model, Borda rank, Mean (Task), Mean (TaskType) and the six
  per-type means as mteb returns them (fractions). ``tests/cmteb`` checks the ``leaderboard`` protocol
  against it for every model;
* ``tests/fixtures/mteb_results_dataset.json``: what ``BenchmarkResults._to_dataset()`` - the table
  ``push_leaderboard_parquet.py`` pushes as ``mteb/results`` - holds for these results, written to parquet
  by ``datasets`` and read back: its arrow schema and Hugging Face features, its row count and a digest of
  its rows (:func:`dataset_digest`; the
  ``trained_on`` column is left out: it depends on mteb's registry, not on the results). ``tests/cmteb``
  checks the replay Hub's parquet against it.

Run: ``.venv/bin/python scripts/mteb_reference_table.py`` (first run installs ~0.9 GB into the venv);
``--repeat N`` times mteb's table N times. ``benchmarks/bench_cmteb.py`` reuses :func:`run_mteb`.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / "data" / "build" / "mteb-venv"
FIXTURE = ROOT / "tests" / "fixtures" / "mteb_reference_table.csv"
DATASET_FIXTURE = ROOT / "tests" / "fixtures" / "mteb_results_dataset.json"
MTEB_VERSION = "2.26.24"
MTEB_IMPORTS = ["datasets", "numpy", "pandas", "pyarrow", "polars", "pydantic", "pytrec-eval-terrier",
                "scikit-learn", "scipy", "rich", "requests", "tqdm", "typing-extensions"]
TYPES = ["Retrieval", "Reranking", "PairClassification", "Classification", "Clustering", "STS"]
COLUMNS = ["model_name", "borda_rank", "mean_task", "mean_task_type", *TYPES]


def ensure_venv() -> Path:
    """The throw-away venv with mteb (no deps) and what it imports; created once."""
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", f"mteb=={MTEB_VERSION}", "--no-deps"], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *MTEB_IMPORTS], check=True)
    return python


def lay_out(work: Path) -> int:
    """Write the bundled results as ``<work>/remote/results/...``; returns the number of files."""
    sys.path.insert(0, str(ROOT))
    from pipeline.cmteb.replay_dataset import load_bundle, results_tree

    files = results_tree(load_bundle(ROOT / "data" / "sources" / "mteb"))
    for rel, body in files.items():
        path = work / "remote" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    return len(files)


def dataset_digest(table) -> dict:
    """Schema, Hugging Face features, row count and a sha256 of the sorted rows of a results dataset."""
    import hashlib
    import json
    import math

    rows = sorted(
        (r["model_name"], r["model_revision"], r["task_name"], r["split"], r["subset"], list(r["language"]),
         None if r["score"] is None or math.isnan(r["score"]) else repr(r["score"]))
        for r in table.select(["model_name", "model_revision", "task_name", "split", "subset", "language",
                               "score"]).to_pylist()
    )
    metadata = (table.schema.metadata or {}).get(b"huggingface", b"{}").decode()
    return {"schema": [[f.name, str(f.type)] for f in table.schema], "features": json.loads(metadata),
            "rows": len(rows), "digest": hashlib.sha256(json.dumps(rows).encode()).hexdigest()}


def child(work: Path, out_dir: Path | None, repeat: int) -> None:
    """Runs inside the mteb venv: load like the leaderboard, time and write the summary table."""
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    import mteb

    bench = mteb.get_benchmark("MTEB(cmn, v1)")
    registered = sorted({m.name for m in mteb.get_model_metas() if m.name})
    started = time.perf_counter()
    loaded_all = mteb.ResultCache(work).load_results(
        models=registered, require_model_meta=False, only_main_score=True,
    )
    results = mteb.BenchmarkResults.model_construct(model_results=loaded_all.model_results, benchmark=bench)
    load_s = time.perf_counter() - started
    timings = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        table = results.get_benchmark_result()
        timings.append(time.perf_counter() - t0)
    print("TIMING " + json.dumps({"mteb": mteb.__version__, "load_s": load_s, "first_table_s": timings[0],
                                  "table_s": min(timings), "repeat": repeat, "models": len(table)}), flush=True)
    if out_dir is None:
        return
    rows = [[r["Model"], int(r["Rank (Borda)"]),
             *(None if r.get(c) is None or r.get(c) != r.get(c) else repr(float(r[c]))
               for c in ["Mean (Task)", "Mean (TaskType)", *TYPES])]
            for _, r in table.iterrows()]
    with (out_dir / FIXTURE.name).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(sorted(rows, key=lambda r: (r[1], r[0])))
    import pyarrow.parquet as pq

    everything = mteb.ResultCache(work).load_results(require_model_meta=False, only_main_score=True)
    parquet = work / "train-00000-of-00001.parquet"
    everything._to_dataset().to_parquet(parquet)  # the writer push_to_hub uses for data/train-*.parquet
    summary = {"mteb_version": mteb.__version__, **dataset_digest(pq.read_table(parquet))}
    (out_dir / DATASET_FIXTURE.name).write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")


def run_mteb(work: Path, out_dir: Path | None, repeat: int = 1) -> dict:
    """Run :func:`child` in the venv on a laid-out ``work`` folder; returns its timings."""
    command = [str(ensure_venv()), __file__, "--child", str(work), "--repeat", str(repeat)]
    if out_dir is not None:
        command += ["--out-dir", str(out_dir)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("TIMING "))
    return json.loads(line.removeprefix("TIMING "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", metavar="WORK", help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=1, help="time mteb's table computation N times")
    parser.add_argument("--out-dir", type=Path, default=FIXTURE.parent)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child), args.out_dir, args.repeat)
        return
    with tempfile.TemporaryDirectory(prefix="mteb-ref-") as tmp:
        work = Path(tmp)
        print(f"laid out {lay_out(work)} files under {work}/remote/results")
        args.out_dir.mkdir(parents=True, exist_ok=True)
        timing = run_mteb(work, args.out_dir, args.repeat)
    print(f"mteb {timing['mteb']}: load {timing['load_s']:.3f} s, summary table {timing['table_s']:.3f} s "
          f"(best of {args.repeat}), {timing['models']} models")
    print(f"wrote {args.out_dir / FIXTURE.name} and {args.out_dir / DATASET_FIXTURE.name}")


if __name__ == "__main__":
    main()
