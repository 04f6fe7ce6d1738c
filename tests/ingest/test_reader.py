import pytest

from rag.errors import BadArticle
from rag.ingest.reader import (
    PARSING_MODULES,
    doc_id_for,
    fingerprint,
    list_articles,
    parse_bytes,
    parse_file,
    parser_version,
    safe_id,
)
from tests.conftest import SEEDS


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "a.txt", "empty"),
        (b"   \n", "a.txt", "empty"),
        (b"\x00\x01binary\x00", "a.txt", "binary"),
        (b"caf\xe9 au lait", "a.txt", "not valid UTF-8"),
        (b"hello", "a.doc", "unsupported file type"),
    ],
)
def test_bad_files_are_refused_with_a_reason(data, name, message):
    with pytest.raises(BadArticle, match=message):
        parse_bytes(data, name, "a", 600)


def test_seed_article_metadata_and_quotes():
    article = parse_file(SEEDS / "001_0a0b291abecde7a8.txt", 10**6, 600)
    raw = (SEEDS / "001_0a0b291abecde7a8.txt").read_text()
    assert article.meta.title == "La Opinion Today: Biden and AMLO will negotiate new immigration measures"
    assert article.meta.author == "Andrea Espinoza"
    assert article.meta.parser == parser_version() and article.meta.version.endswith(article.meta.sha256)
    # Recorded and kept: "who wrote it?" needs a sentence to quote.
    byline = next(s for c in article.chunks for s in c.sentences if s.text == "By Andrea Espinoza")
    assert raw[byline.start : byline.end] == byline.text
    assert article.meta.date == "2023-12-27"
    texts = " ".join(c.text for c in article.chunks)
    assert "Keep reading" not in texts and "10,000 migrants begin caravan" not in texts
    assert "Getty Images" not in texts
    sentence = next(s for c in article.chunks for s in c.sentences if "242,000" in s.text)
    assert raw[sentence.start : sentence.end] == sentence.text


def test_headline_repeats_are_dropped():
    article = parse_file(SEEDS / "003_1223d51fc53dc40e.txt", 10**6, 600)
    texts = "\n".join(c.text for c in article.chunks)
    assert texts.count("Blinken to travel to Mexico next week") == 1
    assert not texts.startswith("Skip to content")


def test_list_articles_filters_types(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "b.html").write_text("x")
    (tmp_path / "c.exe").write_text("x")
    (tmp_path / ".hidden.txt").write_text("x")
    assert [p.name for p in list_articles(tmp_path)] == ["a.txt", "b.html"]
    assert len(list_articles(SEEDS)) == 5


def test_a_date_found_only_in_the_body_is_marked_as_such():
    # 002's first date is a photo caption's (the meeting), not the report's own; 004 has a date line.
    caption = parse_file(SEEDS / "002_b0aabae521d8c3a1.txt", 5_000_000, 600).meta
    dateline = parse_file(SEEDS / "004_3f19723b59c844a4.txt", 5_000_000, 600).meta
    assert (caption.date, caption.date_from) == ("2023-12-27", "text")
    assert (dateline.date, dateline.date_from) == ("2023-12-29", "dateline")


def test_the_manifest_stamp_name_is_refused_as_an_article_id():
    # The index keeps a record under this id; an article with it would be overwritten.
    for make in (lambda: doc_id_for("news/__manifest_stamp__.txt"), lambda: safe_id("__manifest_stamp__")):
        with pytest.raises(BadArticle, match="reserved"):
            make()


CODE = '''"""A module."""

import re

_END = re.compile(r"[.!?]")  # a full stop


def cut(text):
    """Where sentences end."""
    return [m.end() for m in _END.finditer(text)]
'''


def test_the_parser_fingerprint_follows_code_not_comments_or_layout():
    before = fingerprint([("text/sentences.py", CODE)])
    assert 0 <= before < 2**32
    reworded = CODE.replace("# a full stop", "# any end mark").replace("Where sentences end.", "Ends.")
    reflowed = reworded.replace("_END = re.compile(", "_END = re.compile(\n    ") + "\n# the end\n"
    assert fingerprint([("text/sentences.py", reflowed)]) == before
    assert fingerprint([("text/sentences.py", CODE.replace("[.!?]", "[.!?;]"))]) != before
    assert fingerprint([("text/sentences.py", CODE.replace("m.end()", "m.start()"))]) != before
    assert fingerprint([("ingest/chunk.py", CODE)]) != before  # the same code moved: a new fingerprint


def test_the_parser_version_is_the_fingerprint_of_the_parsing_modules():
    from pathlib import Path

    rag = Path(__file__).resolve().parents[2] / "rag"
    assert {"ingest/clean.py", "ingest/chunk.py", "text/sentences.py", "ingest/documents.py"} <= set(
        PARSING_MODULES
    )
    sources = [(name, (rag / name).read_text(encoding="utf-8")) for name in PARSING_MODULES]
    assert parser_version() == fingerprint(sources)
