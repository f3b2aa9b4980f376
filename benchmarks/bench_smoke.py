"""Per-model cost of the smoke test against a bare script, measured side by side in one run.

For each model (the tiny Chinese test model and the real all-MiniLM-L6-v2), served by a replay Hub in
this process, three ways of getting the same answer run interleaved, each with a fresh download cache:

* bare: a fresh ``python`` process that does ``snapshot_download`` + ``SentenceTransformer(path)`` and
  encodes the fixed 100-sentence Chinese corpus once: the minimum anyone pays to try a model;
* task: ``pipeline.smoke.execute.smoke_model``, what one flow task does: validated download, remote-code
  check, the limited worker subprocess loading the model both ways, every check on both backends, the
  throughput of the primary one;
* flow: a whole ``smoke_tests`` Prefect flow run for that one model (planning with the Hub listing, the task,
  the DuckDB write, the run record), the Prefect server already warm and the warehouse already created.

Prints absolute seconds (min and median over ``--repeats``) and the ratios task/bare and flow/bare
(target <= 1.5x). Usage: ``.venv/bin/python benchmarks/bench_smoke.py [--repeats 2]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_DISABLE_XET", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.config import SmokeConfig  # noqa: E402
from pipeline.replay_hub import ReplayData, ReplayHub, RepoVersion  # noqa: E402
from pipeline.smoke.execute import SmokeSettings, smoke_model  # noqa: E402
from pipeline.smoke.select import candidates, fetch_listings, plan  # noqa: E402
from pipeline.smoke.tiny_models import MINILM_REPO_ID, build_tiny_model, minilm_repo  # noqa: E402

TINY = "radar-test/tiny-zh-embed"
THREADS = 2
BATCH = 32

BARE_SCRIPT = """
import sys, time
from huggingface_hub import snapshot_download
from sentence_transformers import SentenceTransformer
import torch
torch.set_num_threads(int(sys.argv[4]))
corpus = [l.strip() for l in open(sys.argv[3], encoding="utf-8") if l.strip()]
path = snapshot_download(sys.argv[1], endpoint=sys.argv[2])
model = SentenceTransformer(path, device="cpu")
emb = model.encode(corpus, batch_size=int(sys.argv[5]))
assert emb.shape[0] == len(corpus)
"""


def bare(model_id: str, endpoint: str) -> float:
    with tempfile.TemporaryDirectory(prefix="bench-bare-") as home:
        env = {**os.environ, "HF_HOME": home, "HF_ENDPOINT": endpoint}
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", BARE_SCRIPT, model_id, endpoint,
                        str(ROOT / "pipeline" / "smoke" / "zh_corpus.txt"), str(THREADS), str(BATCH)],
                       env=env, check=True, capture_output=True)
        return time.perf_counter() - started


def task(model_id: str, endpoint: str) -> tuple[float, dict]:
    found = candidates([], [model_id], why="requested")
    target = plan(found, fetch_listings(endpoint, [model_id]), set(), SmokeConfig(max_model_mb=500)).targets[0]
    with tempfile.TemporaryDirectory(prefix="bench-task-") as cache:
        settings = SmokeSettings(endpoint, Path(cache), timeout_seconds=300, memory_mb=4096, threads=THREADS,
                                 batch_size=BATCH)
        started = time.perf_counter()
        result = smoke_model(target, settings)
        elapsed = time.perf_counter() - started
    assert result.loads_sentence_transformers, result.error
    return elapsed, {"download_s": result.download_seconds, "import_s": result.import_seconds,
                     "load_s": result.load_seconds, "sent_per_s": result.sentences_per_second,
                     "peak_rss_mb": result.peak_rss_mb}


def write_config(folder: Path, model_id: str | None) -> Path:
    models = f'["{model_id}"]' if model_id else "[]"
    path = folder / "radar.toml"
    path.write_text(f'[paths]\ncache_dir = "{folder / "cache"}"\n\n[smoke]\nmodels = {models}\n'
                    f"threads = {THREADS}\nbatch_size = {BATCH}\nmax_model_mb = 500\n", encoding="utf-8")
    return path


def flow(model_id: str | None, database: Path) -> float:
    """One flow run on an existing warehouse (as in production), retesting the model with a fresh cache."""
    from flows.smoke import smoke_tests

    with tempfile.TemporaryDirectory(prefix="bench-flow-") as folder:
        config = write_config(Path(folder), model_id)
        started = time.perf_counter()
        summary = smoke_tests(config_path=str(config), db_path=str(database), force=True)
        elapsed = time.perf_counter() - started
    assert summary["tested"] == (1 if model_id else 0), summary
    return elapsed


def row(name: str, values: list[float]) -> str:
    return f"{name:<8} min {min(values):6.2f} s   median {statistics.median(values):6.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    build_dir = ROOT / "data" / "build" / "test-repos" / "radar-test"
    data = ReplayData()
    data.add_repo("model", TINY, [RepoVersion.from_dir(build_tiny_model(build_dir / "tiny-zh-embed"))])
    data.add_repo("model", MINILM_REPO_ID, [RepoVersion.from_dir(minilm_repo())])
    with ReplayHub(data, port=0) as hub, tempfile.TemporaryDirectory(prefix="bench-db-") as db_dir:
        os.environ["HF_ENDPOINT"] = hub.url
        database = Path(db_dir) / "radar.duckdb"
        started = time.perf_counter()
        flow(None, database)
        print(f"Prefect warm-up (ephemeral server start, warehouse creation, an empty flow run): "
              f"{time.perf_counter() - started:.1f} s")
        print(f"cpu: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}; threads {THREADS}, batch {BATCH}, "
              f"{args.repeats} repeats, each with a fresh download cache\n")
        for model_id in (TINY, MINILM_REPO_ID):
            times: dict[str, list[float]] = {"bare": [], "task": [], "flow": []}
            inside: dict = {}
            for _ in range(args.repeats):
                times["bare"].append(bare(model_id, hub.url))
                elapsed, inside = task(model_id, hub.url)
                times["task"].append(elapsed)
                times["flow"].append(flow(model_id, database))
            base = statistics.median(times["bare"])
            print(model_id)
            for name, values in times.items():
                ratio = (f"   ratio {statistics.median(values) / base:.2f}x"
                         f" (min {min(values) / min(times['bare']):.2f}x)")
                print("  " + row(name, values) + ("" if name == "bare" else ratio))
            print(f"  inside the worker: {inside}\n")


if __name__ == "__main__":
    main()
