"""The Flask app: `create_app(config)` builds it with its blueprints (match, profiles, programmes, admin: the
/v1 API; web: the form; programme_pages: the admins' pages).

The MatchService (model, store, indexes) is created and opened here, once per process: requests
share it and never reload anything. Heavy imports (torch, faiss) happen inside create_app, so that
importing this package (e.g. in the gunicorn master before it forks) stays light.

May import the service, the feature packages (programmes, styles, importing, text, keys), config and
errors; never the store or the index (checked by lint-imports).
"""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask, g, request

from ..config import Settings

if TYPE_CHECKING:
    from ..service import MatchService

log = logging.getLogger("matcher.api")
WEBHOOKS = "matcher.webhooks"  # app.extensions: this process's webhook sender, when there are receivers


def _settings(config: Settings | dict[str, Any] | None, service: MatchService | None) -> tuple[Settings, dict]:
    """Settings from `config` (a dict holds Settings field names; UPPER_CASE keys go to Flask's config)."""
    if isinstance(config, Settings):
        return config, {}
    config = dict(config or {})
    flask_config = {key: config.pop(key) for key in list(config) if key.isupper()}
    unknown = set(config) - set(Settings.model_fields)
    if unknown:
        raise ValueError(f"config: unknown settings {', '.join(sorted(unknown))}")
    if "data_dir" in config:
        config["data_dir"] = Path(config["data_dir"])
    base = service.settings if service is not None else Settings.from_env()
    return (base.replace(**config) if config else base), flask_config


def create_app(
    config: Settings | dict[str, Any] | None = None,
    service: MatchService | None = None,
    serving_host: str | None = None,
) -> Flask:
    """Build the app.

    Args:
        config: Settings, or a dict of Settings fields overriding the environment's (MATCHER_*);
            UPPER_CASE keys are Flask config (e.g. TESTING). None: Settings.from_env().
        service: a MatchService to use (tests share one model); by default one is built from the
            settings. Either way it is opened here, so /readyz is true once the app serves.
        serving_host: the address the server listens on, when known (`mentor-match serve` passes
            it): with the default form setting "auto", the web form is open on a loopback address
            and needs a signed-in user otherwise (see api/signin.py).
    Returns:
        The Flask app, with the service in app.extensions["matcher.service"].
    """
    from flask_limiter import Limiter
    from flask_limiter.util import get_remote_address

    from ..keys import KeyRing
    from . import (
        admin,
        admin_signin,
        auth,
        context,
        errors,
        hosts,
        insights,
        insights_pages,
        match,
        monitoring,
        openapi,
        people_pages,
        people_signin,
        profiles,
        programme_pages,
        programmes,
        relationships,
        signin,
        web,
    )

    settings, flask_config = _settings(config, service)
    form = signin.SignIn(
        signin.form_mode(settings.form, settings.public_form, serving_host),
        settings.trusted_user_header,
        settings.trusted_proxies,
    )
    if service is None:
        from ..service import MatchService

        service = MatchService(settings)
        # Load the model and run it once now, not on the first request: ready means ready.
        service.embedder.encode(["warm up"])
    service.open()

    app = Flask(__name__, static_folder=None)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config.update(flask_config)
    app.json.sort_keys = False  # keep the contract's field order
    app.json.ensure_ascii = False
    app.extensions[context.SERVICE] = service
    app.extensions[context.SETTINGS] = settings
    app.extensions[auth.EXTENSION] = KeyRing(service.store)
    app.extensions[signin.EXTENSION] = form
    errors.register(app)
    hosts.install(app, settings.allowed_hosts, serving_host)  # first: a foreign Host gets nothing (DNS rebinding)
    monitoring.install(app)  # request ids and timings (the next before-request hook), GET /metrics

    # One limiter per app, in memory: counts are per process (each gunicorn worker counts its own).
    # Per key on each /v1 blueprint below, and per address over all of /v1 (so that made-up keys,
    # each its own bucket, cannot get round the per-key limit).
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri="memory://",
        headers_enabled=True,
        strategy="moving-window",
        application_limits=[settings.address_rate_limit],
        application_limits_exempt_when=_not_v1,
    )
    app.extensions["matcher.limiter"] = limiter
    for blueprint in (match.bp, profiles.bp, programmes.bp, relationships.bp, insights.bp, admin.bp):
        app.register_blueprint(blueprint)
    limiter.limit(settings.key_rate_limit, key_func=auth.rate_limit_key)(match.bp)
    limiter.limit(settings.key_rate_limit, key_func=auth.rate_limit_key)(profiles.bp)
    limiter.limit(settings.key_rate_limit, key_func=auth.rate_limit_key)(programmes.bp)
    limiter.limit(settings.key_rate_limit, key_func=auth.rate_limit_key)(relationships.bp)
    limiter.limit(settings.key_rate_limit, key_func=auth.rate_limit_key)(insights.bp)
    limiter.limit(settings.key_rate_limit, key_func=auth.rate_limit_key, exempt_when=_not_v1)(admin.bp)
    secret = admin_signin.WebSecret(settings.data_dir)  # the key of every page's CSRF tokens
    if form.mode != "off":
        app.register_blueprint(web.bp)
        limiter.limit(settings.form_rate_limit, methods=["POST"], key_func=signin.form_rate_limit_key)(web.bp)
        # The pages for people (/me): whom the proxy signs in, or a local demo (api/people_pages.py).
        app.extensions[people_signin.EXTENSION] = people_signin.People(
            form, people_signin.demo_mode(settings, form, serving_host), secret
        )
        app.register_blueprint(people_pages.bp)
        limiter.limit(settings.form_rate_limit, methods=["POST"], key_func=signin.form_rate_limit_key)(people_pages.bp)
    # The programme pages for admins (their own sign-in: api/admin_signin.py), whatever the form's mode.
    app.extensions[admin_signin.EXTENSION] = admin_signin.AdminSignIn(form, settings.admin_users, secret)
    app.register_blueprint(programme_pages.bp)
    limiter.limit(settings.key_rate_limit, key_func=signin.form_rate_limit_key)(programme_pages.bp)
    app.register_blueprint(insights_pages.bp)  # the skills map for admins, the same sign-in
    limiter.limit(settings.key_rate_limit, key_func=signin.form_rate_limit_key)(insights_pages.bp)

    app.extensions["matcher.openapi"] = openapi.build_openapi(app, settings)
    worker = secrets.token_hex(4)  # names this process in responses without giving away its pid

    @app.after_request
    def _served_by(response):
        # Which index generation and which worker answered: lets operators (and the tests) see every worker
        # switch to a new generation. Only to a caller with a valid key: the name changes at each re-index
        # and import, which nobody without a key should be able to watch (SECURITY.md "Health checks").
        if g.get("api_key") is not None:
            response.headers["X-Index-Generation"] = service.status()["generation"] or ""
        response.headers["X-Worker-Id"] = worker
        if not (request.endpoint or "").endswith("static"):
            # Profiles, programmes, their CSV, matches and the pages carry people's data: no copy may stay
            # in a browser's or a proxy's cache. Every answer but the static files, so no route is missed.
            response.headers["Cache-Control"] = "no-store"
        return response

    signin.warn_without_proxy(form, settings.admin_users)
    _start_webhooks(app, service, settings)
    log.info("app ready: %s; web form %s", service.status(), form.mode)
    return app


def _start_webhooks(app: Flask, service: MatchService, settings: Settings) -> None:
    """With MATCHER_WEBHOOK_URLS, this process's webhook sender (relationships/webhooks.py): daemon threads
    that deliver the outbox's events, stopped when the process exits; in app.extensions["matcher.webhooks"]."""
    import atexit

    from ..relationships.webhooks import WebhookSender

    sender = WebhookSender.from_settings(service.store, settings)
    if sender is not None:
        app.extensions[WEBHOOKS] = sender.start()
        atexit.register(sender.stop)
        log.info("webhooks: sending to %d receiver(s)", len(sender.receivers))


def _not_v1() -> bool:
    from flask import request

    return not request.path.startswith("/v1/")
