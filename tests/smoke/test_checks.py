"""The checks as plain functions: each passes on healthy embeddings and fails on the defect it targets."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.smoke import checks as ck

RNG = np.random.default_rng(0)
HEALTHY = RNG.normal(size=(6, 8)).astype(np.float32)


def test_fixed_inputs_are_what_the_docs_promise():
    assert len(ck.CORPUS) == 100 and len(set(ck.CORPUS)) == 100
    assert max(len(s) for s in ck.CORPUS) <= 20
    assert len(ck.LONG_INPUT) == ck.LONG_INPUT_CHARS == 10_000
    assert all(s in ck.CORPUS for triple in ck.SIMILARITY_TRIPLES for s in triple)


def test_dimension_compares_shape_with_the_declared_dimension():
    assert ck.check_dimension(HEALTHY, 8, "st", 6).passed
    wrong = ck.check_dimension(HEALTHY, 16, "st", 6)
    assert (wrong.passed, wrong.value, wrong.limit) == (False, 8, 16)
    assert not ck.check_dimension(HEALTHY, 8, "st", 7).passed


@pytest.mark.parametrize("defect, expected", [
    (lambda e: e.__setitem__((2, 3), np.nan), "NaN"),
    (lambda e: e.__setitem__((1, 0), np.inf), "NaN or inf"),
    (lambda e: e.__setitem__(4, 0.0), "zero vectors"),
])
def test_finite_flags_nan_inf_and_zero_vectors(defect, expected):
    emb = HEALTHY.copy()
    defect(emb)
    check = ck.check_finite(emb, "hf")
    assert check.passed is False and expected in check.detail
    assert ck.check_finite(HEALTHY, "hf").passed


def test_finite_flags_collapsed_embeddings():
    collapsed = np.tile(HEALTHY[:1], (6, 1)) + 1e-7
    check = ck.check_finite(collapsed, "hf")
    assert check.passed is False and "same vector" in check.detail


def test_determinism_and_batch_invariance_tolerate_float_noise_only():
    assert ck.check_deterministic(HEALTHY, HEALTHY + 1e-7, "hf").passed
    assert not ck.check_deterministic(HEALTHY, HEALTHY + 1e-3, "hf").passed
    assert ck.check_batch_invariance(HEALTHY[:2], HEALTHY[:2] + 5e-7, "hf").passed
    leak = ck.check_batch_invariance(HEALTHY[:2], HEALTHY[:2] * 1.01, "hf")
    assert leak.passed is False and "padded batch" in leak.detail


def test_long_input_must_be_one_finite_vector_from_truncated_tokens():
    assert ck.check_long_input(HEALTHY[:1], 8, 128, 128, "st").passed
    untruncated = ck.check_long_input(HEALTHY[:1], 8, 10_002, 512, "hf")
    assert untruncated.passed is False and "not truncated" in untruncated.detail
    assert not ck.check_long_input(HEALTHY[:2], 8, 10, 128, "hf").passed


def test_unk_rate_counts_unknown_tokens_and_flags_models_that_cannot_read_chinese():
    assert ck.unk_rate([[5, 1, 1], [1, 7]], unk_id=1) == pytest.approx(3 / 5)
    assert ck.unk_rate([[5, 6]], unk_id=None) == 0.0
    assert ck.check_unk_rate(0.01, True).passed
    failed = ck.check_unk_rate(0.53, True)
    assert failed.passed is False and "53.0%" in failed.detail
    assert "byte-level" in ck.check_unk_rate(0.0, False).detail


def test_similarity_applies_only_to_real_models_and_fails_on_inverted_pairs():
    n = len(ck.SIMILARITY_TRIPLES)
    anchor = RNG.normal(size=(n, 8))
    good = np.stack([anchor, anchor + 0.1, -anchor], axis=1).reshape(3 * n, 8)
    assert ck.check_similarity(good, "st", applies=True).passed
    bad = np.stack([anchor, -anchor, anchor + 0.1], axis=1).reshape(3 * n, 8)
    failed = ck.check_similarity(bad, "st", applies=True)
    assert failed.passed is False and ck.SIMILARITY_TRIPLES[0][0] in failed.detail
    assert ck.check_similarity(bad, "st", applies=False).passed is None


def test_backends_agree_on_direction_not_scale():
    assert ck.check_agreement(HEALTHY, HEALTHY / np.linalg.norm(HEALTHY, axis=1, keepdims=True)).passed
    assert ck.check_agreement(HEALTHY, HEALTHY[:, ::-1]).passed is False
    assert ck.check_agreement(HEALTHY, HEALTHY[:, :4]).passed is None


def test_summary_names_the_failed_checks():
    found = [ck.Check("dimension", "st", False, detail="declared 64"), ck.Check("unk_rate", None, True),
             ck.Check("similarity", "st", None)]
    assert ck.failed_summary(found) == "failed checks: dimension[st] (declared 64)"
    assert ck.failed_summary(found[1:]) is None
