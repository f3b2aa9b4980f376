"""Model facts from every revision folder: the loss of issue 12, checked against the raw extract.

Expected values are read straight from ``data/sources/mteb/model_meta.jsonl`` (the extraction of the results
repository), not from the code under test: a model whose scores and metadata sit in different folders
must still get its dimension, size, context and licence.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cmteb.models import model_table
from pipeline.cmteb.sources import HubResults
from pipeline.config import MtebConfig

SOURCES = Path(__file__).resolve().parents[2] / "data" / "sources" / "mteb"
FLAGSHIPS = ("BAAI/bge-small-zh-v1.5", "BAAI/bge-base-zh-v1.5", "BAAI/bge-large-zh-v1.5", "moka-ai/m3e-base",
             "moka-ai/m3e-large", "shibing624/text2vec-base-chinese", "Alibaba-NLP/gte-multilingual-base")


def extract() -> list[dict]:
    with (SOURCES / "model_meta.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def stated(model: str, key: str) -> set:
    """Every value the model's folders state for ``key`` (non-null)."""
    return {e["model_meta"][key] for e in extract()
            if e["model_name"] == model and e["model_meta"] and e["model_meta"].get(key) is not None}


@pytest.fixture(scope="module")
def hub_models(_session_hub, mteb_dataset, tmp_path_factory):
    """The models table of the last dataset version, read through huggingface_hub from the replay Hub."""
    source = HubResults(MtebConfig(dataset=mteb_dataset), _session_hub.url, tmp_path_factory.mktemp("cache"))
    snapshot = source.load(source.version())
    table = model_table(snapshot.metas, snapshot.scores)
    return {r["model_name"]: r for r in table.to_dicts()}, snapshot


def test_the_dataset_serves_the_model_meta_of_every_revision_folder(mteb_versions):
    served = {path for path in mteb_versions[-1].files if path.endswith("/model_meta.json")}
    scored = {e["model_dir"] for e in extract() if e["n_score_rows"]}
    expected = {f"results/{e['model_dir']}/{e['revision']}/model_meta.json" for e in extract()
                if e["model_meta"] is not None and not e["experiment"] and e["model_dir"] in scored}
    assert expected <= served
    # the case the issue names: scores in no_revision_available/, metadata in the pinned revision folder
    pinned = next(e["revision"] for e in extract() if e["model_name"] == "BAAI/bge-large-zh-v1.5"
                  and e["model_meta"] and e["n_score_rows"] == 0)
    assert f"results/BAAI__bge-large-zh-v1.5/{pinned}/model_meta.json" in served


@pytest.mark.parametrize("model", FLAGSHIPS)
def test_flagship_models_keep_their_facts_from_the_folder_that_states_them(hub_models, model):
    models, _ = hub_models
    row = models[model]
    revisions = json.loads(row["fact_revisions"])
    for key in ("embed_dim", "max_tokens", "n_parameters", "license"):
        values = {v if key == "license" else int(v) for v in stated(model, key)}
        if values:
            assert row[key] in values and key in revisions, key
        else:
            assert row[key] is None and key not in revisions, key  # m3e-large: no folder states its size
    assert row["meta_revision"] is not None and row["embed_dim"] is not None and row["license"] is not None


def test_m3e_keeps_its_non_commercial_licence(hub_models):
    models, _ = hub_models
    assert models["moka-ai/m3e-base"]["license"] == "unspecified-noncommercial"


def test_static_models_read_any_length_and_are_not_unknown(hub_models):
    models, _ = hub_models
    potion = models["minishlab/potion-multilingual-128M"]
    assert potion["max_tokens"] is None and potion["context_unlimited"] is True


def test_training_links_are_unknown_only_where_no_folder_states_them(hub_models):
    models, _ = hub_models
    for model in FLAGSHIPS:
        has_key = any(e["model_meta"] and "public_training_code" in e["model_meta"] for e in extract()
                      if e["model_name"] == model)
        assert (models[model]["public_training_code"] is not None) is has_key, model


def test_the_listing_of_revision_folders_is_reported(hub_models):
    _, snapshot = hub_models
    assert snapshot.details["revision_folders"] >= snapshot.details["model_meta_files"] > 400


def test_the_checkout_reads_every_folder_too(checkout_snapshot):
    table = {r["model_name"]: r for r in model_table(checkout_snapshot.metas, checkout_snapshot.scores).to_dicts()}
    assert table["BAAI/bge-small-zh-v1.5"]["embed_dim"] in {int(v) for v in stated("BAAI/bge-small-zh-v1.5",
                                                                                   "embed_dim")}
    assert table["moka-ai/m3e-base"]["license"] == "unspecified-noncommercial"
