"""What the ranking does with the loop (issue 22 part 5): room counts pending requests, never again, a mentor's
pause, the response-rate prior and the inactivity demotion; none of it shows in a match answer."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from matcher.cli import main
from matcher.errors import InvalidInput, RuleRefused
from matcher.profiles import parse_profile
from matcher.relationships.access import Actor
from matcher.relationships.records import ResponseRecord
from matcher.relationships.service import RelationshipService
from matcher.search import fusion
from matcher.search.responsiveness import (
    DAY,
    MAX_PRIOR_STRENGTH,
    ResponsivenessSettings,
    adjust,
    fit_prior,
    inactive,
    response_factors,
)
from matcher.styles.catalog import Catalog, today_ordinal
from tests.conftest import profile

ADMIN = Actor.admin()
BIO = "I build data pipelines in Python and teach SQL, Airflow and data engineering."
NEED = "I want to learn data engineering with Python and SQL"


# -- pure: the prior, the factors, inactivity, the order ---------------------------------------------


def test_no_outcomes_leave_the_ranking_unchanged():
    assert fit_prior([]) is None and fit_prior([(0, 0)]) is None
    scores = np.array([0.5, 0.7, 0.6], dtype=np.float32)
    ranked, sunk = adjust(scores, ["a", "b", "c"], {}, None, ResponsivenessSettings(), time.time())
    assert np.array_equal(ranked, scores) and not sunk.any()
    assert fusion.order(ranked, ["a", "b", "c"], sunk) == fusion.order(scores, ["a", "b", "c"])


def test_the_prior_shrinks_few_requests_toward_everyones_rate():
    # Mentors differ no more than chance: the prior is as strong as allowed.
    same = fit_prior([(9, 1)] * 20)
    assert same.a + same.b == pytest.approx(MAX_PRIOR_STRENGTH) and same.mean == pytest.approx(0.9)
    counts = [(9, 1)] * 10 + [(1, 9)] * 10
    prior = fit_prior(counts)
    assert 0.4 < prior.mean < 0.6 and prior.a + prior.b < MAX_PRIOR_STRENGTH
    one_expired, ten_expired = ResponseRecord(0, 1), ResponseRecord(0, 10)
    factors = response_factors([None, ResponseRecord(5, 0), one_expired, ten_expired], prior, 0.1)
    assert factors[0] == 1.0 and factors[1] == 1.0  # no record; above the mean: never a gain
    assert 0.9 <= factors[3] < factors[2] < 1.0  # ten expired say more than one, and weight bounds the loss
    assert np.all(response_factors([ten_expired], prior, 0.0) == 1.0)


def test_inactive_after_the_days_since_the_last_action_or_first_request():
    now = time.time()
    records = [
        None,
        ResponseRecord(last_active=now - 10 * DAY),
        ResponseRecord(last_active=now - 200 * DAY),
        ResponseRecord(expired=1, first_asked=now - 200 * DAY),
        ResponseRecord(last_active=now - 5 * DAY, first_asked=now - 400 * DAY),
    ]
    assert inactive(records, now, 180).tolist() == [False, False, True, True, False]
    assert not inactive(records, now, 0).any()


def test_sunk_candidates_come_after_every_other():
    scores = np.array([0.9, 0.5, 0.7], dtype=np.float32)
    assert fusion.order(scores, ["a", "b", "c"], np.array([True, False, False])) == [2, 1, 0]


# -- paused_until -----------------------------------------------------------------------------------------


def test_paused_until_is_an_iso_date():
    assert parse_profile(profile("m", 5, BIO, paused_until="2031-02-03")).paused_until == "2031-02-03"
    with pytest.raises(InvalidInput) as bad:
        parse_profile(profile("m", 5, BIO, paused_until="03/02/2031"))
    assert bad.value.errors[0].field == "paused_until"


def test_a_pause_is_compared_with_today_when_asked_not_when_indexed():
    catalog = Catalog()
    tomorrow = (datetime.now(UTC).date() + timedelta(days=1)).isoformat()
    catalog.upsert(0, parse_profile(profile("m", 5, BIO, paused_until=tomorrow)), 1)
    assert not catalog.available_today()[0]
    assert catalog.available_today(today_ordinal() + 1)[0]  # the same catalog, a day later


# -- the real service: room, never again, pause, responsiveness, inactivity ---------------------------------


@pytest.fixture
def market(make_service):
    """Four mentors with the same bio (equal scores: ties go by id) and five mentees."""
    svc = make_service()
    mentors = [profile(f"m{i}", 7, BIO, capacity=1) for i in range(1, 5)]
    mentees = [profile(f"e{i}", 3, "", styles=[], goals="") for i in range(1, 6)]
    svc.import_items(list(enumerate(mentors + mentees, start=1)))
    return svc.open()


def ranked_ids(svc, mentee="e5", style="traditional"):
    answer = svc.match({"need": NEED, "style": style, "mentee": {"id": mentee}, "limit": 10})
    return [m["mentor"]["id"] for m in answer["matches"]], answer


def ask(loop, mentee, mentor, style="traditional"):
    return loop.ask(ADMIN, {"mentee_id": mentee, "mentor_id": mentor, "need": NEED, "style": style})


def test_pending_requests_fill_the_room_and_a_decline_is_never_again(market):
    loop = RelationshipService(market.store, market.settings, market)
    assert ranked_ids(market)[0] == ["m1", "m2", "m3", "m4"]
    pending = ask(loop, "e1", "m1")
    assert ranked_ids(market)[0] == ["m2", "m3", "m4"]  # m1's one place is promised
    loop.withdraw(ADMIN, pending["id"])
    assert ranked_ids(market)[0] == ["m1", "m2", "m3", "m4"]
    loop.answer(ADMIN, ask(loop, "e1", "m2")["id"], {"answer": "decline", "reason": "no_time"})
    assert "m2" not in ranked_ids(market, "e1")[0] and "m2" in ranked_ids(market, "e2")[0]


def test_a_paused_mentor_is_neither_matched_nor_asked(make_service):
    svc = make_service()
    later = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    svc.import_items(
        list(
            enumerate(
                [
                    profile("m1", 7, BIO, paused_until=later),
                    profile("m2", 7, BIO, paused_until="2020-01-01"),
                    profile("e1", 3, "", styles=[], goals=""),
                ],
                start=1,
            )
        )
    )
    svc.open()
    assert ranked_ids(svc, "e1")[0] == ["m2"]
    with pytest.raises(RuleRefused) as refused:
        ask(RelationshipService(svc.store, svc.settings, svc), "e1", "m1")
    assert refused.value.rule == "paused"


def test_mentors_who_let_requests_expire_or_stop_acting_sink(market, monkeypatch, capsys):
    before, before_answer = ranked_ids(market, style="flash")
    assert before == ["m1", "m2", "m3", "m4"]
    month_ago = RelationshipService(market.store, market.settings, market, clock=lambda: time.time() - 30 * DAY)
    for mentee in ("e1", "e2", "e3", "e4"):  # m1 lets four requests expire; m2 answers four
        ask(month_ago, mentee, "m1", "flash")
        month_ago.answer(ADMIN, ask(month_ago, mentee, "m2", "flash")["id"], {"answer": "accept"})
    long_ago = RelationshipService(market.store, market.settings, market, clock=lambda: time.time() - 200 * DAY)
    long_ago.answer(ADMIN, ask(long_ago, "e1", "m3", "flash")["id"], {"answer": "decline"})  # m3's last act
    sweep = RelationshipService(market.store, market.settings, market)
    assert len(sweep.expire_due()) == 4  # the sweep counts them (mentor-match requests expire)
    market.pipeline.forget_prior()
    after, after_answer = ranked_ids(market, style="flash")
    assert after == ["m2", "m4", "m1", "m3"]  # m1 below the mentors with no bad record; m3 below everyone
    # An admin can ask why (mentor-match requests standing): the same rules, in words.
    why = {line["mentor_id"]: line for line in sweep.standing()}
    assert set(why) == {"m1", "m3"}  # the mentors the ranking moves down now, and only they
    assert (
        why["m1"]["factor"] < 1 and not why["m1"]["sinks"] and (why["m1"]["answered"], why["m1"]["expired"]) == (0, 4)
    )
    assert "answered 0 of 4 requests" in why["m1"]["note"]
    assert why["m3"]["sinks"] and "no activity since" in why["m3"]["note"]
    assert sweep.standing(["m2"])[0]["note"].startswith("ranked as usual")
    monkeypatch.setenv("MATCHER_DATA_DIR", str(market.settings.data_dir))
    capsys.readouterr()
    assert main(["requests", "standing"]) == 0
    assert [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()] == ["m1", "m3"]
    assert main(["requests", "standing", "nobody"]) == 2 and "nobody" in capsys.readouterr().err
    # Nothing of it shows: the same score and reasons for every mentor, only the order moved.
    shown = {m["mentor"]["id"]: (m["score"], m["why"]) for m in before_answer["matches"]}
    assert all(shown[m["mentor"]["id"]] == (m["score"], m["why"]) for m in after_answer["matches"])
    # With the rules off, the order is the relevance's alone.
    neutral = market.pipeline.responsiveness
    market.pipeline.responsiveness = ResponsivenessSettings(0.0, 0.0)
    try:
        assert ranked_ids(market, style="flash")[0] == before
    finally:
        market.pipeline.responsiveness = neutral
