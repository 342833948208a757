"""A dozen people for the HTTP tests: juniors who teach social media (reverse), seniors, flash helpers.

Small on purpose: embedding them takes a second, and every rule of the API can be seen on them.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import profile

NEED = "I lead a 400-person division and want to get comfortable with TikTok and Instagram"

PEOPLE = [
    profile(
        "ana",
        2,
        "I film and edit short videos for TikTok and Instagram Reels every week. I help senior "
        "leaders get comfortable with TikTok and Instagram: how to post without fear and read what "
        "the audience likes.",
        title="Social Media Coordinator",
        styles=["reverse", "flash", "two-way"],
        department="Brand",
        timezone="Europe/Berlin",
        languages=["en", "de"],
        manager_id="cleo",
    ),
    profile(
        "ben",
        3,
        "I run our Instagram account and plan content calendars. I can explain how the TikTok "
        "algorithm picks up a video and what makes people share it.",
        title="Content Creator",
        styles=["reverse", "e-mentoring"],
        department="Marketing",
        languages=["en"],
        formats=["virtual"],
    ),
    profile(
        "cleo",
        9,
        "I have led large divisions through reorganisations and coach directors on strategy, "
        "budgets and leading through change.",
        title="Chief Operating Officer",
        styles=["traditional"],
        department="Operations",
        languages=["en"],
    ),
    profile(
        "dev",
        4,
        "I write SQL every day and enjoy untangling a slow query or a window function in a single focused session.",
        title="Analytics Engineer",
        styles=["flash"],
        capacity=0,
        flash_hours_per_month=6,
        languages=["en", "pt"],
    ),
    profile(
        "eli",
        7,
        "I built our data platform team and mentor analysts on data modelling, stakeholder "
        "management and career growth.",
        title="Head of Data",
        styles=["traditional", "e-mentoring"],
        languages=["en"],
        timezone="Europe/London",
    ),
    profile(
        "fay",
        1,
        "I grew up on Snapchat and YouTube and make our internal explainer videos on my phone.",
        title="Marketing Intern",
        styles=["reverse"],
        languages=["en", "fr"],
    ),
    profile(
        "gus",
        6,
        "I negotiate enterprise contracts and teach people how to prepare a hard negotiation.",
        title="Sales Director",
        styles=["traditional", "flash", "two-way"],
        goals="I want to learn TikTok.",
    ),
    profile(
        "hal",
        5,
        "I design onboarding programmes and run workshops on giving feedback.",
        title="People Partner",
        styles=[],
        goals="I want to learn Python.",
    ),
]


def write_jsonl(path: Path, people: list[dict] = PEOPLE) -> Path:
    """Write profiles as JSON Lines (for the CLI import in subprocess tests)."""
    path.write_text("".join(json.dumps(p) + "\n" for p in people), encoding="utf-8")
    return path


def open_service(data_dir: Path, embedder, people: list[dict] = PEOPLE, **settings):
    """A MatchService over `data_dir`, loaded with `people`, sharing the session's model."""
    from matcher.config import Settings
    from matcher.service import MatchService

    service = MatchService(Settings(data_dir=data_dir, **settings), embedder=embedder).open()
    report = service.import_items(list(enumerate(people, start=1)))
    assert not report.rejected, report.rejected
    return service


def make_keys(service) -> dict[str, str]:
    """One fresh token per scope, plus a revoked one: {"match": ..., "admin": ..., "revoked": ...}."""
    from matcher.keys import KeyRing

    ring = KeyRing(service.store)
    tokens = {scope: ring.create(scope, f"test {scope}")[1] for scope in ("match", "admin")}
    key, tokens["revoked"] = ring.create("admin", "revoked")
    ring.revoke(key.key_id)
    return tokens


def bearer(token: str) -> dict[str, str]:
    """The Authorization header of a token."""
    return {"Authorization": f"Bearer {token}"}


PROGRAMME = {
    "name": "Fuzzed",
    "style": "reverse",
    "cohort": [{"id": "cleo", "need": "TikTok and Instagram"}, {"id": "eli"}],
}


def aim_at_programme(case, label: str, programme_id: str) -> None:
    """Point a generated (positive) programme request at real data, so that fuzzing reaches past the 404s and
    the unknown ids: the programme `programme_id` (never for DELETE), its members in a pair action, stored
    people in a new programme's cohort. The rest of the generated request is kept."""
    if "{programme_id}" in label and not label.startswith("DELETE"):
        case.path_parameters["programme_id"] = programme_id
    body = case.body if isinstance(case.body, dict) else None
    if body is None:
        return
    if label.endswith("/pairs") and body.get("action") in ("pin", "ban"):  # one member and a mentor (any id)
        body.update(mentees=["cleo"], mentor=body.get("mentor") or "ana")
    elif label.endswith("/pairs") and body.get("action") in ("approve", "reject"):  # members, no mentor
        body.pop("mentor", None)
        if body.get("mentees") or body["action"] == "reject":
            body["mentees"] = ["cleo", "eli"][: max(1, len(body.get("mentees") or []))]
    if label == "POST /v1/programmes":
        body["cohort"] = PROGRAMME["cohort"]
        body.get("mentors", {}).pop("ids", None)  # random ids are fine, but an empty pool pairs nobody


def aim_at_relationships(case, label: str, request_id: str, relationship_id: str) -> None:
    """Point a generated (positive) introduction request at real data: a stored request or relationship in the
    path, stored people (cleo asking ben, in reverse mentoring) in a new request, and a real day in a session.
    The rest of the generated request is kept; the state machine answers what follows (200, 409, 422)."""
    if "{request_id}" in label:
        case.path_parameters["request_id"] = request_id
    if "{relationship_id}" in label:
        case.path_parameters["relationship_id"] = relationship_id
    if "{person_id}" in label:
        case.path_parameters["person_id"] = "cleo"
    body = case.body if isinstance(case.body, dict) else None
    if body is None:
        return
    if label == "POST /v1/requests":
        body.update(mentee_id="cleo", mentor_id="ben")
    if label.endswith("/sessions"):
        body["date"] = "2026-01-05"
