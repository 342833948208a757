"""Profiles over HTTP (admin scope): PUT/GET/DELETE /v1/profiles/<id>, POST /v1/profiles:batch."""

from __future__ import annotations

import csv
import itertools
import logging
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from ..importing.readers import read_text
from .auth import require_scope
from .context import service
from .errors import Problem, invalid, json_array_items, json_object

bp = Blueprint("profiles", __name__)
log = logging.getLogger("matcher.api")

MAX_BATCH_ITEMS = 1000
JSON_LINES_TYPES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines", "application/json-lines")
JSON_TYPES = ("application/json",)
CSV_TYPES = ("text/csv",)


def _not_found(profile_id: str) -> Problem:
    return Problem(404, f"no profile with id {profile_id!r}", title="Unknown profile")


@bp.put("/v1/profiles/<profile_id>")
@require_scope("admin")
def put_profile(profile_id: str):
    """Add or replace a profile. The id in the URL wins; a different id in the body is a 422."""
    body = json_object()
    if "id" in body and body["id"] != profile_id:
        raise invalid("id", f"the body says {body['id']!r} but the URL says {profile_id!r}; they must agree")
    body = {**body, "id": profile_id}
    status, profile = service().upsert(body)
    response = jsonify({"status": status, "profile": profile.model_dump()})
    if status == "added":
        response.status_code = 201
        response.headers["Location"] = url_for("profiles.get_profile", profile_id=profile.id)
    return response


@bp.get("/v1/profiles/<profile_id>")
@require_scope("admin")
def get_profile(profile_id: str):
    """The whole stored profile (admin only: it holds manager, capacity and goals)."""
    profile = service().get(profile_id)
    if profile is None:
        raise _not_found(profile_id)
    return jsonify(profile.model_dump())


@bp.delete("/v1/profiles/<profile_id>")
@require_scope("admin")
def delete_profile(profile_id: str):
    """Delete a profile everywhere at once: 204, or 404 when there is no such profile."""
    if not service().delete(profile_id):
        raise _not_found(profile_id)
    return Response(status=204)


def _batch_items() -> list[tuple[int, Any]]:
    """(line, item) pairs of a batch body: JSON array, JSON Lines or CSV, chosen by content type.

    Items are read one at a time and reading stops after MAX_BATCH_ITEMS + 1, so an oversized batch is
    answered 413 without parsing (or validating) the rest of it.
    """
    mimetype = request.mimetype
    data = request.get_data(cache=True)  # 413 beyond MAX_CONTENT_LENGTH
    if mimetype in ("", "application/x-www-form-urlencoded"):  # curl --data-binary without -H: sniff
        mimetype = JSON_TYPES[0] if data.lstrip()[:1] == b"[" else JSON_LINES_TYPES[0]
    if mimetype in JSON_TYPES:
        items = json_array_items(data)
    elif mimetype in JSON_LINES_TYPES or mimetype in CSV_TYPES:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise Problem(400, f"the body is not UTF-8 text (byte {exc.start})", title="Malformed body") from None
        items = read_text(text, "csv" if mimetype in CSV_TYPES else "jsonl")
    else:
        raise Problem(
            415,
            f"send a JSON array (application/json), JSON Lines (application/x-ndjson) or CSV "
            f"(text/csv), not {mimetype}",
        )
    try:
        read = list(itertools.islice(items, MAX_BATCH_ITEMS + 1))
    except csv.Error as exc:  # e.g. a cell beyond the csv module's field size limit
        raise Problem(400, f"the CSV body cannot be read: {exc}", title="Malformed body") from None
    if len(read) > MAX_BATCH_ITEMS:
        raise Problem(
            413, f"at most {MAX_BATCH_ITEMS} profiles per batch; split it, or use `mentor-match import` for large files"
        )
    return read


@bp.post("/v1/profiles:batch")
@require_scope("admin")
def batch():
    """Store every good profile of a batch and name every bad one with its line and reasons.

    Answers 200 whenever the body could be read, with a summary and one result per item in input
    order; the caller reads `summary.rejected` (and each `errors`) to see what was refused.
    """
    items = _batch_items()
    report = service().import_items(items)
    ids = {bad["line"]: bad["id"] if isinstance(bad["id"], str) else None for bad in report.rejected}
    results = []
    for result in report.results:
        item = {"line": result["line"], "id": result.get("id", ids.get(result["line"])), "status": result["status"]}
        if result.get("errors"):
            item["errors"] = result["errors"]
        results.append(item)
    log.info("batch: %s", report.summary())
    return jsonify({"summary": report.summary(), "results": results})
