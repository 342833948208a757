"""Problem details (RFC 9457) for every error the API answers, and the JSON body reader.

Every error is `application/problem+json` with `type`, `title`, `status`, `detail` and `request_id` (the
X-Request-ID of the request, to quote to an operator); validation errors (422) add `errors: [{field,
reason}]`. Nothing a client sends should reach the 500 handler:
it exists so that a bug still answers a problem document (and is logged with its traceback).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from ..errors import FieldError, InvalidInput
from . import request_id

log = logging.getLogger("matcher.api")

PROBLEM_MIMETYPE = "application/problem+json"
PROBLEM_BASE = "https://mentor-matcher.dev/problems/"
VALIDATION = PROBLEM_BASE + "validation"
MALFORMED_JSON = PROBLEM_BASE + "malformed-json"
BUDGET = PROBLEM_BASE + "request-budget"
STORE_UNAVAILABLE = PROBLEM_BASE + "store-unavailable"
STORE_RETRY_AFTER = "2"  # seconds: the store's pool reconnects on its own within a few (store/pgpool.py)
JSON_TYPES = ("application/json",)
# curl -d sends this content type by default; a body that parses as JSON is accepted (see json_body).
FORM_TYPE = "application/x-www-form-urlencoded"


class Problem(Exception):
    """An error answered as a problem document. Raise it from a view; the handler renders it."""

    def __init__(
        self,
        status: int,
        detail: str,
        type_: str = "about:blank",
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type = type_
        self.title = title or HTTPStatus(status).phrase
        self.headers = headers or {}
        self.extensions = extensions


def problem_response(
    status: int,
    detail: str,
    type_: str = "about:blank",
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> Response:
    """A problem+json response; `extensions` are added as members (e.g. errors=[...])."""
    body: dict[str, Any] = {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    body.update({key: value for key, value in extensions.items() if value is not None})
    if request_id.current() is not None:  # an extension member (RFC 9457 section 3.2), to quote to an operator
        body["request_id"] = request_id.current()
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MIMETYPE)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def validation_problem(errors: list[FieldError]) -> Response:
    """422 naming each field and its reason, in `detail` and in `errors`."""
    detail = "; ".join(str(e) for e in errors) or "the request is not valid"
    return problem_response(
        422, detail, VALIDATION, "Invalid request", errors=[{"field": e.field, "reason": e.reason} for e in errors]
    )


def invalid(field: str, reason: str) -> InvalidInput:
    """An InvalidInput for one field (the handler answers it with 422)."""
    return InvalidInput([FieldError(field, reason)])


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Problem(400, f"the body is not UTF-8 text (byte {exc.start})", MALFORMED_JSON, "Malformed JSON") from None


@contextmanager
def _json_problems() -> Iterator[None]:
    """Answer what the JSON decoder refuses as a 400 that says where it broke."""
    try:
        yield
    except json.JSONDecodeError as exc:
        raise Problem(
            400,
            f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            MALFORMED_JSON,
            "Malformed JSON",
        ) from None
    except RecursionError:
        raise Problem(
            400, "the body is not acceptable JSON: nested too deeply", MALFORMED_JSON, "Malformed JSON"
        ) from None
    except ValueError as exc:  # NaN/Infinity, integers longer than Python allows
        raise Problem(400, f"the body is not acceptable JSON: {exc}", MALFORMED_JSON, "Malformed JSON") from None


def parse_json(data: bytes) -> Any:
    """Parse strict JSON (no NaN or Infinity), or raise a 400 Problem that says where it broke."""
    text = _text(data)
    if not text.strip():
        raise Problem(400, "the body is empty; send a JSON document", MALFORMED_JSON, "Malformed JSON")
    with _json_problems():
        return json.loads(text, parse_constant=_reject_constant)


def json_array_items(data: bytes) -> Iterator[tuple[int, Any]]:
    """(position, item) of a JSON array body, parsed one item at a time (the caller may stop early).

    Raises (when the bad part is reached): a 400 Problem for malformed JSON, like parse_json; a 422
    InvalidInput when the body is JSON but not an array.
    """
    text = _text(data)
    start = len(text) - len(text.lstrip())
    if text[start : start + 1] != "[":
        parse_json(data)  # a 400 for what is not JSON at all
        raise invalid("", "a JSON batch must be an array of profiles (or send JSON Lines as application/x-ndjson)")
    decoder = json.JSONDecoder(parse_constant=_reject_constant)
    position, index = 0, start + 1
    while True:
        index = _skip_space(text, index)
        if text[index : index + 1] == "]" and position == 0:
            index += 1
            break
        with _json_problems():
            item, index = decoder.raw_decode(text, index)
        position += 1
        yield position, item
        index = _skip_space(text, index)
        if text[index : index + 1] == ",":
            index += 1
        elif text[index : index + 1] == "]":
            index += 1
            break
        else:
            raise Problem(
                400,
                f"the body is not valid JSON: expected ',' or ']' after item {position}",
                MALFORMED_JSON,
                "Malformed JSON",
            )
    if text[index:].strip():
        raise Problem(400, "the body is not valid JSON: extra data after the array", MALFORMED_JSON, "Malformed JSON")


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index] in " \t\r\n":
        index += 1
    return index


def json_body() -> Any:
    """The request's JSON body, after checking its content type (415) and size (413).

    `application/json` (and any `+json` type) is read as JSON. A body sent as
    `application/x-www-form-urlencoded` (what `curl -d` sends unless told otherwise) is accepted when
    it parses as JSON, and answered 415 otherwise; every other content type is answered 415.
    """
    mimetype = request.mimetype
    data = request.get_data(cache=True)  # raises 413 beyond MAX_CONTENT_LENGTH
    if mimetype in JSON_TYPES or mimetype.endswith("+json"):
        return parse_json(data)
    if mimetype in (FORM_TYPE, ""):
        try:
            return parse_json(data)
        except Problem:
            pass
    raise Problem(
        415, f"send the body as JSON with Content-Type: application/json (got {mimetype or 'no content type'})"
    )


def json_object(field_hint: str = "") -> dict[str, Any]:
    """The JSON body, which must be an object (422 naming its type otherwise)."""
    body = json_body()
    if not isinstance(body, dict):
        raise invalid(field_hint, f"the body must be a JSON object, got {_json_type(body)}")
    return body


def _json_type(value: Any) -> str:
    return {
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _http_detail(exc: HTTPException) -> str:
    if exc.code == 404:
        return f"no such resource: {request.method} {request.path}"
    if exc.code == 405:
        allowed = ", ".join(sorted(m for m in (exc.valid_methods or []) if m != "OPTIONS")) or "none"
        return f"{request.method} is not allowed on {request.path}; allowed: {allowed}"
    if exc.code == 413:
        limit = request.max_content_length
        return f"the body is too large (at most {limit} bytes)" if limit else "the body is too large"
    if exc.code == 429:
        return f"too many requests: at most {exc.description}; retry later"
    return exc.description or HTTPStatus(exc.code or 500).phrase


def handle_http_exception(exc: HTTPException) -> Response:
    """Any werkzeug HTTP error (404 route, 405 method, 413 body, 429 rate...) as a problem document."""
    if exc.code is None:
        return exc.get_response()
    headers = {key: value for key, value in exc.get_headers() if key.lower() != "content-type"}
    return problem_response(exc.code, _http_detail(exc), headers=headers)


def handle_problem(exc: Problem) -> Response:
    """A Problem raised by a view."""
    return problem_response(exc.status, exc.detail, exc.type, exc.title, exc.headers, **exc.extensions)


def handle_invalid_input(exc: InvalidInput) -> Response:
    """Validation errors from the schemas or the service: 422 naming the fields."""
    return validation_problem(exc.errors)


def handle_budget_exceeded(exc) -> Response:
    """A match that ran out of its time budget (Settings.request_budget_ms): 503 with Retry-After.

    503 rather than a 4xx: the request was valid and may well succeed when the server is less busy.
    """
    return problem_response(
        503,
        f"{exc}; retry in a moment",
        BUDGET,
        "Request budget exceeded",
        headers={"Retry-After": "1"},
        budget_ms=exc.budget_ms,
    )


def handle_purge_incomplete(exc) -> Response:
    """The store could not yet purge deleted profiles' old pages (readers kept it busy): 503, try again."""
    return problem_response(503, str(exc), headers={"Retry-After": "5"})


def handle_store_unavailable(exc) -> Response:
    """The store's database does not answer (stopped, restarting, unreachable): 503 with Retry-After.

    Matches too: a replica cut off from the store cannot know whom another replica erased meanwhile,
    so it does not answer from its index alone.
    """
    return problem_response(
        503,
        "the profile store does not answer right now; retry in a moment",
        STORE_UNAVAILABLE,
        "Store unavailable",
        headers={"Retry-After": STORE_RETRY_AFTER},
    )


def handle_unexpected(exc: Exception) -> Response:
    """A bug: logged with its traceback (never the body), answered as a 500 problem document."""
    if isinstance(exc, HTTPException):
        return handle_http_exception(exc)
    log.exception("unhandled error on %s %s", request.method, request.path)
    return problem_response(500, "an unexpected error happened on the server; it has been logged")


def register(app: Flask) -> None:
    """Install the problem-document handlers on an app."""
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Problem, handle_problem)
    app.register_error_handler(InvalidInput, handle_invalid_input)
    from ..errors import BudgetExceeded

    app.register_error_handler(BudgetExceeded, handle_budget_exceeded)
    from ..errors import PurgeIncomplete, StoreUnavailable

    app.register_error_handler(PurgeIncomplete, handle_purge_incomplete)
    app.register_error_handler(StoreUnavailable, handle_store_unavailable)
    app.register_error_handler(Exception, handle_unexpected)
