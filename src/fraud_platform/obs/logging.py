"""Structured JSON logs: one line per event, every line scrubbed of registered secrets.

A line is `{"ts", "level", "component", "platform_run_id", "event", **fields}` in cj1 key order, so
logs from every component of a run can be merged, filtered by `platform_run_id` and parsed without
guessing. Logging goes through the stdlib (`logging.getLogger("fraud_platform.…")`), so library code
only ever calls :func:`log_event` (or the stdlib with `extra={"fields": …}`); where the lines go is
decided once per process by :func:`configure_logging`.

The timestamp comes from an injected :class:`~fraud_platform.core.time.Clock`, not from
`LogRecord.created`, so tests pin it and the rule "only core.time reads the clock" holds.
"""

from __future__ import annotations

import json
import logging
import traceback
from pathlib import Path
from typing import IO, Any

from fraud_platform.core.redact import redact_text, redact_value
from fraud_platform.core.time import Clock, SystemClock, format_utc

__all__ = [
    "ROOT_LOGGER",
    "JsonLogFormatter",
    "bind_run",
    "configure_logging",
    "log_event",
    "reset_logging",
]

ROOT_LOGGER = "fraud_platform"
"""Every platform logger is a child of this one; `configure_logging` installs its handler here."""

_RESERVED = ("ts", "level", "component", "platform_run_id", "event")
_FIELDS_ATTR = "fp_fields"


class _PlatformHandlerMarker:
    """Mixin marking handlers installed by `configure_logging`, so a reconfigure replaces them."""


class _StreamHandler(_PlatformHandlerMarker, logging.StreamHandler[IO[str]]):
    pass


class _FileHandler(_PlatformHandlerMarker, logging.FileHandler):
    pass


class JsonLogFormatter(logging.Formatter):
    """Formats a record as one redacted JSON line (no trailing newline; the handler adds it)."""

    def __init__(self, component: str, platform_run_id: str | None, clock: Clock | None = None) -> None:
        super().__init__()
        self.component = component
        self.platform_run_id = platform_run_id
        self._clock: Clock = clock or SystemClock()

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = dict(getattr(record, _FIELDS_ATTR, None) or {})
        component = fields.pop("component", None) or self.component
        run_id = fields.pop("platform_run_id", None) or self.platform_run_id
        line: dict[str, Any] = {key: value for key, value in fields.items() if key not in _RESERVED}
        line.update(
            {
                "ts": format_utc(self._clock.now()),
                "level": record.levelname,
                "component": component,
                "platform_run_id": run_id,
                "event": record.getMessage(),
            }
        )
        if record.exc_info:
            line["exception"] = "".join(traceback.format_exception(*record.exc_info))
        # Scrub the structure first (secret-named keys, raw secrets in strings), then the rendered
        # line, which also catches a secret split across JSON escaping of the structure.
        text = json.dumps(redact_value(line), sort_keys=True, separators=(",", ":"), default=str)
        return redact_text(text)


def log_event(logger: logging.Logger, event: str, *, level: int = logging.INFO, **fields: Any) -> None:
    """Log one structured event: `event` is a short snake_case name, `fields` its JSON-able facts."""
    logger.log(level, event, extra={_FIELDS_ATTR: fields})


def _remove_platform_handlers(root: logging.Logger) -> None:
    for handler in list(root.handlers):
        if isinstance(handler, _PlatformHandlerMarker):
            root.removeHandler(handler)
            handler.close()


def configure_logging(
    component: str,
    platform_run_id: str | None,
    stream_or_path: IO[str] | Path | str,
    *,
    level: int = logging.INFO,
    clock: Clock | None = None,
) -> logging.Logger:
    """Send every `fraud_platform.*` log line of this process to a stream or a file (appended), as JSON.

    Idempotent per process: calling it again replaces the handler it installed before (another
    component, another run, another file) instead of doubling lines. A path's parent directories are
    created. Returns the component's logger, `fraud_platform.<component>`.
    """
    root = logging.getLogger(ROOT_LOGGER)
    _remove_platform_handlers(root)
    handler: logging.Handler
    if isinstance(stream_or_path, str | Path):
        path = Path(stream_or_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = _FileHandler(path, mode="a", encoding="utf-8")
    else:
        handler = _StreamHandler(stream_or_path)
    handler.setFormatter(JsonLogFormatter(component, platform_run_id, clock))
    root.addHandler(handler)
    root.setLevel(level)
    # The platform's lines are complete on their own; do not duplicate them into the root logger.
    root.propagate = False
    return logging.getLogger(f"{ROOT_LOGGER}.{component}")


def reset_logging() -> None:
    """Remove the handler `configure_logging` installed (tests, and processes that re-bind a run)."""
    root = logging.getLogger(ROOT_LOGGER)
    _remove_platform_handlers(root)
    root.propagate = True


def bind_run(platform_run_id: str) -> None:
    """Stamp later lines with `platform_run_id` (once a process has minted or been handed its run)."""
    for handler in logging.getLogger(ROOT_LOGGER).handlers:
        formatter = handler.formatter
        if isinstance(handler, _PlatformHandlerMarker) and isinstance(formatter, JsonLogFormatter):
            formatter.platform_run_id = platform_run_id
