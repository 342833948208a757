"""Operations: POST /v1/reindex (admin scope), GET /healthz, GET /readyz, GET /openapi.json."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify

from ..errors import ReindexRunning
from .auth import admin_key_sent, require_scope
from .context import service
from .draining import draining
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
    log.info(
        "reindex: generation=%s profiles=%d seconds=%.1f", result["generation"], result["profiles"], result["seconds"]
    )
    return jsonify(result)


@bp.get("/healthz")
def healthz():
    """The process is alive and answers."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
def readyz():
    """200 once the index is loaded, 503 before and while draining (the server was told to stop: a load
    balancer should send it nothing new; api/gworker.py); the index facts only for an admin key.

    The profile count and the change number (`seq`) move with every write and erasure, so anyone who
    could poll them would watch those happen: without a key the answer is `{"ready", "draining"}` alone.
    """
    status = service().status()
    status["draining"] = draining()
    status["ready"] = status["ready"] and not status["draining"]
    code = 200 if status["ready"] else 503
    if admin_key_sent() is None:
        return jsonify({"ready": status["ready"], "draining": status["draining"]}), code
    return jsonify(status), code


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document, generated from the validating models (built once per app)."""
    return jsonify(current_app.extensions["matcher.openapi"])
