"""The web form with Flask's test client: labels, result cards, highlighting, escaping, empty results,
validation messages, the rate limit and the switch that turns the form off."""

from __future__ import annotations

import re

import pytest
from markupsafe import Markup

from matcher.api import create_app
from matcher.api.highlight import highlight
from tests.api_people import NEED


@pytest.fixture(scope="module")
def client(service):
    return create_app(service=service, serving_host="127.0.0.1").test_client()  # as scripts/serve runs it


def cards(html: str) -> list[str]:
    return re.findall(r'<li class="card">(.*?)</li>\s*(?=<li class="card">|</ol>)', html, re.S)


def test_the_form_has_a_label_for_every_control(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "What do you want to learn?" in html and 'name="viewport"' in html
    for control in re.findall(r'<(?:textarea|select|input)\b[^>]*\bid="([^"]+)"', html):
        assert f'<label for="{control}"' in html, control
    radios = re.findall(r'<label class="choice">\s*<input type="radio" name="style" value="([^"]+)"', html)
    assert radios == ["any", "reverse", "traditional", "flash", "e-mentoring", "two-way"]
    assert "Someone more junior teaches you" in html  # one line explaining each style
    assert "<script" not in html
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_posting_the_form_shows_result_cards(client):
    response = client.post("/", data={"need": NEED, "style": "reverse", "seniority": "9"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    found = cards(html)
    assert len(found) >= 2
    assert "Person ana" in found[0] and "Social Media Coordinator" in found[0] and "seniority 2" in found[0]
    assert re.search(r'<meter [^>]*value="0\.\d+"', found[0])
    assert "<mark>TikTok</mark>" in found[0] and "<mark>Instagram</mark>" in found[0]
    assert "7 levels junior to you: fits reverse mentoring" in found[0]
    assert all(int(re.search(r"seniority (\d+)", c).group(1)) < 9 for c in found)
    assert 'value="reverse" checked' in html and '<option value="9" selected>' in html  # the form keeps its values


def test_user_text_is_escaped(client):
    need = '<script>alert("x")</script> TikTok & <b>Instagram</b>'
    html = client.post("/", data={"need": need, "style": "any"}).get_data(as_text=True)
    assert "<script>alert" not in html and "<b>Instagram</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; TikTok &amp; &lt;b&gt;Instagram&lt;/b&gt;" in html


def test_nothing_matching_says_why_and_offers_a_wider_style(client):
    html = client.post("/", data={"need": NEED, "style": "traditional", "seniority": "9"}).get_data(as_text=True)
    assert not cards(html)
    assert "Nobody senior to you offers traditional mentoring on this topic." in html
    assert '<input type="hidden" name="style" value="any">' in html
    assert "Show the best mentors of any style" in html
    wider = client.post("/", data={"need": NEED, "style": "any", "seniority": "9"}).get_data(as_text=True)
    assert cards(wider)


def test_nothing_below_the_entry_level(client):
    html = client.post("/", data={"need": NEED, "style": "reverse", "seniority": "1"}).get_data(as_text=True)
    assert "nobody is junior to you at seniority 1" in html.lower()


def test_filters_that_leave_nobody_are_named(client):
    html = client.post(
        "/", data={"need": NEED, "style": "traditional", "seniority": "3", "language": "ja", "virtual_only": "on"}
    ).get_data(as_text=True)
    assert (
        "Nobody senior to you offers traditional mentoring on this topic among mentors who mentor online "
        "and who speak Japanese." in html
    )
    assert "try without the language or online-only options" in html


@pytest.mark.parametrize(
    "form,field,message",
    [
        ({"need": "", "style": "any"}, "need", "Say in a few words what you want to learn."),
        ({"need": "x" * 2001, "style": "any"}, "need", "at most 2000 characters"),
        ({"need": NEED, "style": "reverse"}, "seniority", "required for reverse mentoring"),
        ({"need": NEED, "style": "any", "seniority": "ten"}, "seniority", "choose a level from 1 to 10"),
        ({"need": NEED, "style": "any", "timezone": "Moon/Base"}, "timezone", "unknown IANA time zone"),
        ({"need": NEED, "style": "two-way", "seniority": "5"}, "bio", "two-way mentoring needs what you can teach"),
        ({"need": NEED, "style": "karaoke"}, "style", "Input should be"),
    ],
)
def test_bad_form_input_is_shown_next_to_the_field(client, form, field, message):
    response = client.post("/", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', html, re.S)
    assert error and message.lower() in error.group(1).lower()
    assert f'aria-describedby="{field}-hint {field}-error"' in html or f"{field}-error" in html


def test_the_form_is_rate_limited_per_address(service):
    client = create_app({"form_rate_limit": "2 per minute"}, service=service, serving_host="127.0.0.1").test_client()
    for _ in range(2):
        assert client.post("/", data={"need": NEED}).status_code == 200
    response = client.post("/", data={"need": NEED})
    assert response.status_code == 429 and response.mimetype == "text/html"
    assert "Too many searches" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200  # reading the form is not limited
    other = client.post("/", data={"need": NEED}, environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert other.status_code == 200


def test_the_public_form_can_be_turned_off(service):
    client = create_app({"public_form": False}, service=service).test_client()
    response = client.get("/")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert client.post("/", data={"need": NEED}).status_code in (404, 405)
    assert client.get("/static/style.css").status_code == 404
    assert client.get("/healthz").status_code == 200


# -- who may use the form (api/signin.py) ------------------------------------------------------------

SIGNED_IN = {"X-Forwarded-User": "ana@example.com"}


def test_served_beyond_loopback_the_form_needs_a_user_the_trusted_proxy_signed_in(service):
    client = create_app({"trusted_proxies": "127.0.0.1"}, service=service, serving_host="0.0.0.0").test_client()
    for response in (client.get("/"), client.post("/", data={"need": NEED})):
        assert response.status_code == 403 and "Sign in first" in response.get_data(as_text=True)
        assert "Person ana" not in response.get_data(as_text=True)
    page = client.get("/", headers=SIGNED_IN)  # the test client comes from 127.0.0.1: the configured proxy
    assert page.status_code == 200 and "Signed in as ana@example.com" in page.get_data(as_text=True)
    assert '<li class="card">' in client.post("/", data={"need": NEED}, headers=SIGNED_IN).get_data(as_text=True)
    # The header is believed only from a trusted proxy: anyone else can send it.
    forged = client.post("/", data={"need": NEED}, headers=SIGNED_IN, environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert forged.status_code == 403
    assert create_app(service=service).test_client().get("/").status_code == 403  # address unknown: same
    proxied = create_app({"trusted_proxies": "10.9.8.0/24"}, service=service, serving_host="0.0.0.0").test_client()
    assert proxied.get("/", headers=SIGNED_IN, environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 200
    assert proxied.get("/", headers=SIGNED_IN).status_code == 403  # 127.0.0.1 is no longer a trusted proxy


def test_an_operator_may_open_the_form_explicitly_or_turn_it_off(service):
    opened = create_app({"form": "open"}, service=service, serving_host="0.0.0.0").test_client()
    assert opened.get("/").status_code == 200
    closed = create_app({"form": "off"}, service=service, serving_host="127.0.0.1").test_client()
    assert closed.get("/").status_code == 404
    with pytest.raises(ValueError, match="MATCHER_FORM='public': Input should be 'auto', 'open', 'signed-in' or 'off'"):
        create_app({"form": "public"}, service=service)
    with pytest.raises(ValueError, match="MATCHER_TRUSTED_PROXIES='proxy.local': 'proxy.local' is not an IP"):
        create_app({"trusted_proxies": "proxy.local"}, service=service)


def test_behind_a_proxy_one_user_s_searches_never_lock_out_the_others(service):
    client = create_app(
        {"form_rate_limit": "2 per minute", "trusted_proxies": "127.0.0.1"}, service=service, serving_host="0.0.0.0"
    ).test_client()
    for _ in range(2):
        assert client.post("/", data={"need": NEED}, headers=SIGNED_IN).status_code == 200
    assert client.post("/", data={"need": NEED}, headers=SIGNED_IN).status_code == 429
    other = client.post("/", data={"need": NEED}, headers={"X-Forwarded-User": "ben@example.com"})
    assert other.status_code == 200  # same proxy address, another person


def test_form_searches_get_the_api_s_time_budget(service):
    client = create_app({"request_budget_ms": 0.001}, service=service, serving_host="127.0.0.1").test_client()
    response = client.post("/", data={"need": NEED})
    assert response.status_code == 503 and response.mimetype == "text/html"
    assert "Busy right now" in response.get_data(as_text=True) and "Retry-After" in response.headers


def test_a_form_body_is_as_small_as_a_search(client):
    response = client.post("/", data={"need": NEED, "bio": "x" * 300_000})
    assert response.status_code == 413 and response.mimetype == "text/html"


def test_the_stylesheet_is_served(client):
    response = client.get("/static/style.css")
    assert response.status_code == 200 and "max-width" in response.get_data(as_text=True)


# -- highlight (pure) ----------------------------------------------------------------------------


def test_highlight_marks_the_words_bm25_matched_by_their_snowball_stems():
    out = highlight("I coach Leaders on TikTok and instagram videos.", "leader on tiktok, Instagram video")
    assert isinstance(out, Markup)
    assert out == "I coach <mark>Leaders</mark> on <mark>TikTok</mark> and <mark>instagram</mark> <mark>videos</mark>."
    # "leadership" and "leaders" have different stems: BM25 does not match them, so neither does the page.
    assert "<mark>Leaders</mark>" not in highlight("I coach Leaders.", "leadership")
    from matcher.text.words import query_terms, tokenize

    assert tokenize("Leaders") != query_terms("leadership")


def test_highlight_skips_stop_words_and_false_stems():
    assert (
        highlight("I installed it with the team.", "how do I use instagram with the team")
        == "I installed it with the <mark>team</mark>."
    )


def test_highlight_escapes_both_texts():
    out = highlight('<img src=x onerror="1"> SQL & <b>joins</b>', "<b>sql</b> joins")
    assert out == "&lt;img src=x onerror=&#34;1&#34;&gt; <mark>SQL</mark> &amp; &lt;b&gt;<mark>joins</mark>&lt;/b&gt;"
