"""warehouse.redact: what is masked, how an exception is scrubbed at the boundary, and the log filter."""

from __future__ import annotations

import logging
import pickle
import traceback

import pytest

from warehouse.redact import (
    ExternalError,
    RedactingFilter,
    error_line,
    mask_secrets,
    redact,
    scrub_exception,
    scrubbed,
)

TOKEN = "hf_TestToken0123456789abcdef"


@pytest.fixture
def token(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_TOKEN", "s3cr3t-not-hf-shaped")
    stored = tmp_path / "token"
    stored.write_text(TOKEN + "\n")
    monkeypatch.setenv("HF_TOKEN_PATH", str(stored))
    return TOKEN


@pytest.mark.parametrize(("text", "expected"), [
    ("x s3cr3t-not-hf-shaped y", "x hf_*** y"),                       # the environment's value, whatever its shape
    (f"sent {TOKEN}", "sent hf_***"),                                  # the stored login's token
    ("Authorization: Bearer abc.def-123", "Authorization: Bearer ***"),
    ("{'authorization': 'Bearer xyz12345'}", "{'authorization': 'Bearer ***'}"),
    ("you sent Bearer qwertyuiop123", "you sent Bearer ***"),
    ("https://user:pa55@mirror.example/api", "https://***@mirror.example/api"),
    ("GET /api/models?limit=5&token=abc123&x=1", "GET /api/models?limit=5&token=***&x=1"),
    ("hf_abcdefghijklmnop", "hf_***"),
])
def test_redact_masks_every_shape_of_secret(token, text, expected):
    assert redact(text) == expected


def test_data_keeps_names_that_only_look_like_tokens(token):
    assert mask_secrets("org/hf_embeddings_v2") == "org/hf_embeddings_v2"
    assert mask_secrets(f"license:{TOKEN}") == "license:hf_***"


def test_a_library_error_is_replaced_by_one_with_redacted_text_and_no_objects(token):
    class Response:
        headers = {"Authorization": f"Bearer {TOKEN}"}

    try:
        try:
            raise ConnectionResetError(f"reset while sending Bearer {TOKEN}")
        except ConnectionResetError as inner:
            error = OSError(f"400 Bad request: you sent {TOKEN}")
            error.response = Response()
            raise error from inner
    except OSError as exc:
        clean = scrub_exception(exc)
    assert type(clean).__name__ == "OSError" and isinstance(clean, ExternalError)
    assert not hasattr(clean, "response")
    text = "".join(traceback.format_exception(clean))
    assert TOKEN not in text and "you sent hf_***" in text and "reset while sending Bearer hf_***" in text
    assert str(pickle.loads(pickle.dumps(clean))) == str(clean)   # Prefect and Dask may pickle it


def test_the_projects_own_errors_keep_their_type(token):
    from pipeline.hub import HubFetchError

    clean = scrub_exception(HubFetchError(f"query failed: {TOKEN}"))
    assert type(clean) is HubFetchError and str(clean) == "query failed: hf_***"
    interrupt = KeyboardInterrupt()
    assert scrub_exception(interrupt) is interrupt


def test_scrubbed_functions_raise_scrubbed_errors_and_keep_their_signature(token):
    @scrubbed
    def fetch(endpoint: str, retries: int = 2) -> None:
        raise RuntimeError(f"{endpoint} answered {TOKEN}")

    with pytest.raises(RuntimeError) as raised:
        fetch("http://hub")
    assert TOKEN not in str(raised.value) and raised.value.__context__ is None
    assert fetch.__name__ == "fetch" and fetch.__wrapped__.__code__.co_varnames[:2] == ("endpoint", "retries")
    assert fetch.__globals__ is globals()   # Prefect resolves parameter annotations in these


def test_error_line_is_one_redacted_line(token):
    assert error_line(ValueError(f"bad\n  token {TOKEN}")) == "ValueError: bad token hf_***"
    assert error_line(ValueError("first\nsecond"), first_line=True) == "ValueError: first"
    assert len(error_line(ValueError("x" * 1000), limit=50)) == 50


def test_the_log_filter_redacts_message_arguments_and_traceback(token):
    logger = logging.getLogger("radar-test-redaction")
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep()
    handler.addFilter(RedactingFilter())
    logger.addHandler(handler)
    try:
        try:
            raise ValueError(f"echo {TOKEN}")
        except ValueError:
            logger.exception("request with %s failed", f"Bearer {TOKEN}")
    finally:
        logger.removeHandler(handler)
    (record,) = records
    text = logging.Formatter().format(record)
    assert TOKEN not in text and "request with Bearer hf_*** failed" in text and "echo hf_***" in text
