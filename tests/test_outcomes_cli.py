"""`mentor-match outcomes import|list|stats|delete` in-process, on a real store and the real model.

Bad rows are named with their line and field and the good ones stored (exit 2); the same file twice adds
nothing; CSV works like JSON Lines; erasure through the profile reaches the log.
"""

from __future__ import annotations

import json

import pytest

from matcher.cli import main
from tests.conftest import profile

pytestmark = pytest.mark.slow  # each command loads the model again, as a new process would


@pytest.fixture
def data_dir(tmp_path, monkeypatch, make_service):
    folder = tmp_path / "data"
    service = make_service(folder)
    service.import_items(
        [
            (1, profile("ana", 4, "I teach SQL window functions and query tuning.")),
            (2, profile("ben", 6, "I coach people on public speaking and presenting.")),
            (3, profile("cleo", 3, "Learner.", styles=[])),
        ]
    )
    service.close()
    monkeypatch.setenv("MATCHER_DATA_DIR", str(folder))
    return folder


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_names_each_bad_row_stores_the_good_ones_and_is_idempotent(data_dir, tmp_path, capsys):
    rows = [
        json.dumps(
            {
                "need": "help with SQL window functions",
                "mentor_id": "ana",
                "outcome": "accepted",
                "mentee_id": "cleo",
                "at": "2025-02-03",
            }
        ),
        json.dumps({"need": "presenting to executives", "mentor_id": "ben", "outcome": "maybe"}),
        json.dumps({"need": "presenting to executives", "mentor_id": "nobody", "outcome": "accepted"}),
        "{not json",
        json.dumps({"mentor_id": "ben", "outcome": "declined"}),
        json.dumps({"need": "SQL", "mentor_id": "ana", "outcome": "good_fit", "at": "last tuesday"}),
        json.dumps(
            {
                "need": "presenting to executives",
                "mentor_id": "ben",
                "outcome": "good_fit",
                "mentee_id": "past-42",
                "style": "traditional",
                "at": "2025-04-01T10:30:00Z",
            }
        ),
        json.dumps({"need": "SQL", "mentor_id": "ana", "outcome": "accepted", "rating": 5}),
    ]
    path = tmp_path / "outcomes.jsonl"
    path.write_text("\n".join(rows) + "\n")
    code, out, err = run(capsys, "outcomes", "import", str(path))
    assert code == 2
    assert "outcomes.jsonl (jsonl): added 2, unchanged 0, rejected 6" in out
    lines = err.splitlines()
    assert lines[0].startswith("line 2: rejected: outcome: ")
    assert lines[1] == "line 3: rejected: mentor_id: no stored profile has the id 'nobody'"
    assert lines[2].startswith("line 4: rejected: not valid JSON")
    assert lines[3] == "line 5: rejected: need: Field required"
    assert lines[4].startswith("line 6: rejected: at: expected an ISO date")
    assert lines[5] == "line 8: rejected: rating: unknown field"

    code, out, _ = run(capsys, "outcomes", "import", str(path))
    assert code == 2 and "added 0, unchanged 2, rejected 6" in out

    csv_path = tmp_path / "more.csv"
    csv_path.write_text(
        "need,mentor_id,outcome,mentee_id,style,at\n"
        "query tuning,ana,completed,,,\n"
        "query tuning,ana,accepted,cleo,sideways,\n"
    )
    code, out, err = run(capsys, "outcomes", "import", str(csv_path))
    assert code == 2 and "more.csv (csv): added 1, unchanged 0, rejected 1" in out
    assert err.startswith("line 3: rejected: style: ")

    code, out, _ = run(capsys, "outcomes", "list", "--json")
    listed = [json.loads(line) for line in out.splitlines()]
    assert [(o["mentor_id"], o["outcome"], o["mentee_id"], o["at"]) for o in listed] == [
        ("ana", "accepted", "cleo", "2025-02-03"),
        ("ben", "good_fit", "past-42", "2025-04-01"),
        ("ana", "completed", None, None),
    ]
    code, out, _ = run(capsys, "outcomes", "stats")
    assert code == 0 and out.startswith("3 outcomes (accepted 1, completed 1, good_fit 1); 3 mentees, 2 mentors")

    code, out, err = run(capsys, "outcomes", "delete", "--mentee", "past-42")
    assert code == 0 and out.strip() == "deleted 1 outcomes" and "learned ranking" in err
    with pytest.raises(SystemExit) as exited:  # which ones: required (argparse's usage error)
        main(["outcomes", "delete"])
    assert exited.value.code == 2 and "one of the arguments --mentor --mentee --before --all" in capsys.readouterr().err


def test_erasing_a_mentee_profile_deletes_their_outcomes(data_dir, tmp_path, capsys, make_service):
    path = tmp_path / "outcomes.jsonl"
    path.write_text(
        json.dumps({"need": "window functions", "mentor_id": "ana", "outcome": "accepted", "mentee_id": "cleo"}) + "\n"
    )
    assert run(capsys, "outcomes", "import", str(path))[0] == 0
    service = make_service(data_dir)
    assert service.delete("cleo")
    assert service.store.outcomes() == []
