"""Keep secrets out of everything the project writes: run records, logs, Prefect's records, reports.

Three layers, each enough for the common case on its own:

* :func:`redact` masks the Hugging Face token wherever it appears: the values of ``HF_TOKEN`` /
  ``HUGGING_FACE_HUB_TOKEN`` and of the token file ``hf auth login`` writes, anything shaped like a token
  (``hf_...``), ``Authorization`` header values, credentials in URLs and ``token=`` query parameters.
* :func:`scrubbed` is the boundary around every Prefect task and flow body: an exception leaving pipeline
  code is replaced by one whose text is redacted and which carries no library objects (an HTTP error holds
  the request with its ``Authorization`` header, and a body that may echo it), before Prefect logs it,
  stores its message in a state, or emits an event about it.
* :class:`RedactingFilter` redacts log records (message, arguments and traceback text) on Prefect's,
  huggingface_hub's and the HTTP stack's loggers and on every handler they or the root logger have (and a
  record factory does the same for those loggers' children created later), for what the boundary cannot
  see: a library that logs a URL, a response header or a server's answer on its own.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import traceback
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

MASK = "hf_***"
_TOKEN_VARS = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")
_TOKEN_PATTERN = re.compile(r"\bhf_[A-Za-z0-9]{8,}\b")
_BEARER = re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?\s*(?:bearer|basic|token)\s+)[^\s'\",;}]+")
_BARE_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]{8,}")
_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s:@]+(?::[^/\s@]*)?@")
_QUERY_TOKEN = re.compile(r"(?i)([?&](?:token|access_token|api_key|apikey|auth|password)=)[^&\s#'\"]+")
_MIN_SECRET = 4

F = TypeVar("F", bound=Callable[..., Any])


def _token_file() -> Path:
    explicit = os.environ.get("HF_TOKEN_PATH")
    if explicit:
        return Path(explicit)
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "huggingface")
    return Path(home) / "token"


@functools.lru_cache(maxsize=4)
def _file_secret(path: str, mtime_ns: int) -> str | None:
    try:
        value = Path(path).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return value or None


def secrets() -> list[str]:
    """The token values this process may send: the environment's and the stored login's."""
    found = [os.environ.get(var) for var in _TOKEN_VARS]
    path = _token_file()
    try:
        found.append(_file_secret(str(path), path.stat().st_mtime_ns))
    except OSError:
        pass
    return sorted({s for s in found if s and len(s) >= _MIN_SECRET}, key=len, reverse=True)


def mask_secrets(text: str) -> str:
    """``text`` with the known token values masked, and nothing else changed (for data: a model named
    ``org/hf_embeddings`` must keep its name, while log text may lose a little too much)."""
    for secret in secrets():
        text = text.replace(secret, MASK)
    return text


def redact(text: str) -> str:
    """``text`` with every Hugging Face token, Authorization value and URL credential masked."""
    if not text:
        return text
    text = mask_secrets(text)
    text = _BEARER.sub(r"\1***", text)
    text = _BARE_BEARER.sub(r"\1***", text)
    text = _URL_CREDENTIALS.sub(r"\1***@", text)
    text = _QUERY_TOKEN.sub(r"\1***", text)
    return _TOKEN_PATTERN.sub(MASK, text)


def error_line(exc: BaseException | None, limit: int = 300, first_line: bool = False) -> str:
    """``Type: message`` on one line (``first_line``: of the message's first line only), redacted and cut to
    ``limit`` characters: how errors become text."""
    if exc is None:
        return "unknown error"
    text = str(exc).strip()
    text = " ".join((text.splitlines()[0] if first_line and text else text).split())
    line = redact(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)
    return line if len(line) <= limit else line[: limit - 1] + "…"


class ExternalError(RuntimeError):
    """An error raised by a library or a server, re-raised with its text redacted and its objects dropped.

    Made by :func:`external_error` as a subclass named like the original type, so messages (Prefect's
    state message, the run record, the CLI's line) read as before: ``FileExistsError: [Errno 17] ...``.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        return external_error, (self.kind, self.message)


_EXTERNAL_TYPES: dict[str, type[ExternalError]] = {}


def external_error(kind: str, message: str) -> ExternalError:
    """An :class:`ExternalError` whose type is named ``kind``."""
    cls = _EXTERNAL_TYPES.get(kind)
    if cls is None:
        cls = _EXTERNAL_TYPES.setdefault(kind, type(kind, (ExternalError,), {"__module__": __name__}))
    return cls(kind, message)


_KEEP_TYPE = ("pipeline", "warehouse", "flows", "prefect")
"""Packages whose exceptions keep their type (their attributes are ours or Prefect's own signals)."""
_PASS_THROUGH = (KeyboardInterrupt, SystemExit, GeneratorExit)


def _keeps_type(exc: BaseException) -> bool:
    return type(exc).__module__.split(".")[0] in _KEEP_TYPE


def scrub_exception(exc: BaseException, depth: int = 0) -> BaseException:
    """An exception safe to show anywhere: ``exc`` itself with redacted arguments when it is the project's
    or Prefect's (their types carry no library objects), else an :class:`ExternalError`; causes are scrubbed
    the same way (three deep), implicit contexts dropped. Interrupts and exits pass untouched."""
    if isinstance(exc, _PASS_THROUGH):
        return exc
    if _keeps_type(exc):
        exc.args = tuple(redact(a) if isinstance(a, str) else a for a in exc.args)
        clean = exc
    else:
        message = " ".join(str(exc).split())
        clean = external_error(type(exc).__name__, redact(message)[:2000])
        clean.__traceback__ = exc.__traceback__
    cause = exc.__cause__
    clean.__cause__ = scrub_exception(cause, depth + 1) if cause is not None and depth < 3 else None
    clean.__context__ = None
    clean.__suppress_context__ = True
    return clean


def scrubbed(fn: F) -> F:
    """Decorate a Prefect task or flow function: whatever it raises leaves through :func:`scrub_exception`.

    The wrapper shares ``fn``'s globals, because Prefect resolves the string annotations of a flow's
    parameters in the namespace of the function it is given."""

    def make(fn: Callable[..., Any], scrub: Callable[[BaseException], BaseException]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except BaseException as exc:  # noqa: BLE001 (the boundary sees everything, re-raises everything)
                clean = scrub(exc)
                if clean is exc:
                    raise
            raise clean   # outside the except block: no implicit context pointing back at the original
        return wrapper

    inner = make(fn, scrub_exception)
    wrapper = types.FunctionType(inner.__code__, fn.__globals__, fn.__name__, None, inner.__closure__)
    functools.update_wrapper(wrapper, fn)
    wrapper.__scrubbed__ = True  # type: ignore[attr-defined]
    wrapper.__prefect_task_source__ = fn  # type: ignore[attr-defined]  (Prefect keys the task by fn's code)
    return wrapper  # type: ignore[return-value]


class RedactingFilter(logging.Filter):
    """Redact a record's message, arguments and traceback text before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def redact_record(record: logging.LogRecord) -> None:
    """Freeze ``record``'s message and traceback as redacted text (idempotent)."""
    if getattr(record, "_radar_redacted", False):
        return
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: keep the raw message
        message = str(record.msg)
    record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record._radar_redacted = True  # type: ignore[attr-defined]


REDACTED_LOGGERS = ("prefect", "huggingface_hub", "httpx", "httpx2", "httpcore", "urllib3", "filelock",
                    "distributed", "pipeline", "warehouse", "flows")
_FILTER = RedactingFilter()


def _redacting_factory(original: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = original(*args, **kwargs)
        if record.name.split(".")[0] in REDACTED_LOGGERS:
            redact_record(record)
        return record

    factory.__radar_redacting__ = True  # type: ignore[attr-defined]
    return factory


def install_log_redaction() -> None:
    """Put :class:`RedactingFilter` on the loggers above (and their existing children) and on every handler
    they or the root logger have, so records that propagate are redacted too; records of those loggers'
    children created later are redacted when they are made (the record factory). Safe to call
    repeatedly; call it again after something reconfigures logging."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "__radar_redacting__", False):
        logging.setLogRecordFactory(_redacting_factory(current))
    manager = logging.Logger.manager
    names = [n for n in list(manager.loggerDict) if n.split(".")[0] in REDACTED_LOGGERS]
    loggers = [logging.getLogger(), *(logging.getLogger(n) for n in {*REDACTED_LOGGERS, *names})]
    for logger in loggers:
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        for handler in logger.handlers:
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)
