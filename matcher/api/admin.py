"""Operations: POST /v1/reindex (admin scope), GET /healthz, GET /readyz, GET /openapi.json."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify

from ..errors import ReindexRunning
from .auth import require_scope
from .context import service
from .errors import Problem

bp = Blueprint("admin", __name__)
log = logging.getLogger("matcher.api")


@bp.post("/v1/reindex")
@require_scope("admin")
def reindex():
    """Rebuild the indexes from the store as a new generation and switch to it (synchronous).

    Searches keep being answered from the old generation meanwhile. One re-index at a time across
    every process on the store (workers, other servers, the CLI): a second one is answered 409.
    """
    try:
        result = service().reindex()
    except ReindexRunning as exc:
        raise Problem(409, str(exc)) from None
    log.info("reindex: generation=%s profiles=%d seconds=%.1f", result["generation"], result["profiles"],
             result["seconds"])
    return jsonify(result)


@bp.get("/healthz")
def healthz():
    """The process is alive and answers."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """200 with the index facts once the index is loaded; 503 before."""
    status = service().status()
    return jsonify(status), (200 if status["ready"] else 503)


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document, generated from the validating models (built once per app)."""
    return jsonify(current_app.extensions["matcher.openapi"])
