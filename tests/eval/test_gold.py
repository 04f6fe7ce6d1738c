"""The gold set itself, and clear errors for malformed gold files."""

import json
import os
import subprocess
import sys

import pytest

from eval.gold import GoldError, load_gold
from eval.metrics import contains
from tests.conftest import ROOT, SEEDS

GOLD = ROOT / "eval" / "gold.jsonl"
ARTICLES = {p.stem: p.read_text(encoding="utf-8") for p in SEEDS.glob("*.txt")}


@pytest.fixture(scope="module")
def gold():
    return load_gold(GOLD)


def test_gold_set_covers_what_the_brief_asks(gold):
    kinds = [item.kind for item in gold]
    assert len(gold) >= 60
    assert sum(not item.answerable for item in gold) >= 12
    for kind in ("fact", "number", "list", "multi", "conflict", "followup", "unanswerable"):
        assert kind in kinds, kind
    assert all(item.history for item in gold if item.kind == "followup")
    assert all(item.note for item in gold if item.kind == "conflict")  # says what the right behaviour is
    assert sum(len(item.sources) >= 2 for item in gold) >= 15  # facts spread over several articles


def test_every_fact_is_stated_by_a_listed_source_and_every_source_states_one(gold):
    for item in gold:
        assert set(item.sources) <= set(ARTICLES), item.id
        for aliases in item.answers:
            assert any(contains(ARTICLES[s], a) for s in item.sources for a in aliases), (item.id, aliases)
        for source in item.sources:
            stated = any(contains(ARTICLES[source], a) for aliases in item.answers for a in aliases)
            assert stated, (item.id, source)


def write(tmp_path, *lines):
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = json.dumps({"id": "a", "question": "Q?", "answers": [["x"]], "sources": ["d"], "answerable": True})


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ('{"id": "b", "question": ', "line 2: not valid JSON"),
        ('["a list"]', "line 2: expected a JSON object"),
        (
            '{"id": "b", "question": "Q?", "sources": [], "answerable": false}',
            "line 2 (id 'b'): answers: Field required",
        ),
        (
            '{"id": "b", "question": "Q?", "answers": ["x"], "sources": ["d"], "answerable": true}',
            "answers.0",
        ),
        (
            '{"id": "b", "question": "Q?", "answers": [[]], "sources": ["d"], "answerable": true}',
            "fact 1 needs",
        ),
        (
            '{"id": "b", "question": "Q?", "answers": [["x"]], "sources": [], "answerable": false}',
            "unanswerable",
        ),
        (
            '{"id": "a", "question": "Q?", "answers": [["x"]], "sources": ["d"], "answerable": true}',
            "duplicate id",
        ),
        (
            '{"id": "b", "question": "Q?", "answers": [], "sources": [], "answerable": false, "soruces": []}',
            "soruces",
        ),
        (
            '{"id": "b", "question": "Q?", "history": [{"role": "bot", "content": "hi"}], '
            '"answers": [], "sources": [], "answerable": false}',
            "history.0.role",
        ),
    ],
)
def test_malformed_line_is_named(tmp_path, bad, message):
    with pytest.raises(GoldError, match="line 2") as err:
        load_gold(write(tmp_path, GOOD, bad))
    assert message in str(err.value)


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(GoldError, match="no such gold file"):
        load_gold(tmp_path / "nope.jsonl")
    with pytest.raises(GoldError, match="no questions"):
        load_gold(write(tmp_path, "", "  "))


def test_category_is_derived_when_absent(tmp_path):
    lines = [
        GOOD,
        '{"id": "u", "question": "Q?", "answers": [], "sources": [], "answerable": false}',
        '{"id": "f", "question": "And?", "history": [{"role": "user", "content": "Q?"}], '
        '"answers": [["x"]], "sources": ["d"], "answerable": true}',
    ]
    assert [item.kind for item in load_gold(write(tmp_path, *lines))] == ["other", "unanswerable", "followup"]


def test_cli_reports_a_bad_gold_file_without_traceback(tmp_path):
    path = write(tmp_path, GOOD, GOOD, "not json")
    env = dict(os.environ, PYTHONPATH=str(ROOT), RAG_DATA_DIR=str(tmp_path / "data"))
    got = subprocess.run(
        [sys.executable, "-m", "eval", "--gold", str(path), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert got.returncode == 2
    assert "line 2: duplicate id 'a'" in got.stderr
    assert "Traceback" not in got.stderr
    assert not (tmp_path / "out").exists()
