"""POST /v1/match: the best mentors for a need, in a style, each with its reason."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from .auth import require_scope
from .context import service, settings
from .errors import json_object

bp = Blueprint("match", __name__)


@bp.before_request
def _small_bodies_only():
    # A match body is a few KB: refuse more (413) before reading it, not at the app's batch-sized limit.
    request.max_content_length = min(settings().max_body_bytes, settings().max_match_body_bytes)


@bp.post("/v1/match")
@require_scope("match")
def match():
    """Answer exactly what MatchService.match() returns (mentors with public fields only), within the
    request budget (503 problem with Retry-After when it runs out). A `match` key names mentees with
    limited trust (search/request.py Trust), an `admin` key with full trust. Each key has its own partition of the
    query cache, so no key can tell from the answer's time what another key searched (model/querycache.py)."""
    trust = "full" if g.api_key.scope == "admin" else "limited"
    return jsonify(
        service().match(
            json_object(), budget_ms=settings().request_budget_ms, trust=trust, caller=f"key:{g.api_key.key_id}"
        )
    )
