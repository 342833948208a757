"""Log lines: text for people, or one JSON object a line for log shippers (MATCHER_LOG_FORMAT=json).

Every line carries the id of the HTTP request it belongs to (`request_id`, "-" outside a request):
RequestIdFilter adds it to each record a handler emits. Both formats carry the same fields; what the
service logs is ids and timings, never people's texts (SECURITY.md "Logs").
"""

from __future__ import annotations

import logging

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
# python-json-logger: these record attributes become the members (renamed below), and every `extra`
# of a record (the access log's status, duration_ms...) is added as a member of its own.
JSON_FIELDS = "%(levelname)s %(name)s %(message)s %(request_id)s"
JSON_RENAMES = {"levelname": "level", "name": "logger"}
NO_REQUEST = "-"


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to every record: the id of the Flask request being served on this thread (a
    record that already has one, e.g. gunicorn's access line, keeps it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            from .api.request_id import current

            record.request_id = current() or NO_REQUEST
        return True


def formatter(log_format: str, text_format: str = TEXT_FORMAT) -> logging.Formatter:
    """The formatter of `log_format` ("text" or "json"); `text_format` is the text one's layout."""
    if log_format == "json":
        from pythonjsonlogger.json import JsonFormatter

        # timestamp=True: an ISO 8601 "timestamp" member in UTC.
        return JsonFormatter(JSON_FIELDS, rename_fields=JSON_RENAMES, timestamp=True, json_ensure_ascii=False)
    return logging.Formatter(text_format)


def prepare(handler: logging.Handler, log_format: str, text_format: str = TEXT_FORMAT) -> logging.Handler:
    """Give `handler` the formatter of `log_format` and the request id filter (once). Returns it."""
    handler.setFormatter(formatter(log_format, text_format))
    if not any(isinstance(f, RequestIdFilter) for f in handler.filters):
        handler.addFilter(RequestIdFilter())
    return handler
