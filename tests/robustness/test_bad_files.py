"""Odd files at the ingestor: each is refused with a clear message and nothing indexed is lost.

Real Chroma directory, fake embedder. Chunk counts are read from Chroma itself.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from rag.errors import BadArticle
from rag.ingest.chunk import chunk_article
from rag.ingest.reader import doc_id_for, safe_id
from rag.ingest.text import MappedText
from tests.conftest import SEEDS, rebuilt
from tests.robustness.conftest import chunk_counts

SEED = "000_28062022011ac162"
GOOD = (
    b"Mexico and the United States agreed to reopen the rail crossings at Eagle Pass.\n"
    b"Officials from both countries will meet again in Washington in January.\n"
)
KINDS = ".docx, .htm, .html, .markdown, .md, .pdf, .txt"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.txt", b"", "empty.txt: the file is empty."),
        ("blank.txt", b"  \n\t\n", "blank.txt: the file is empty."),
        ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50, "photo.txt: looks like a binary file"),
        ("latin1.txt", "Canciller Bárcena".encode("latin-1"), "latin1.txt: not valid UTF-8 (byte 11)"),
        ("report.pdf", b"%PDF-1.7 talks", "report.pdf: the PDF is damaged and cannot be read"),
        ("notes.docx", GOOD, "notes.docx: the Word file is damaged and cannot be read"),
        ("slides.pptx", GOOD, f"slides.pptx: unsupported file type; use one of {KINDS}."),
        ("boiler.html", b"<html><script>var x = 1;</script></html>", "boiler.html: no article text left"),
    ],
)
def test_bad_upload_is_refused_by_name_and_nothing_is_lost(fake_rag, name, data, message):
    before = chunk_counts(fake_rag)
    with pytest.raises(BadArticle) as err:
        fake_rag.ingestor.ingest_bytes(name, data)
    assert str(err.value).startswith(message), str(err.value)
    assert chunk_counts(fake_rag) == before


def test_bad_bytes_under_an_existing_id_keep_the_old_version(fake_rag):
    before = chunk_counts(fake_rag)
    with pytest.raises(BadArticle, match="not valid UTF-8"):
        fake_rag.ingestor.ingest_bytes(f"{SEED}.txt", b"caf\xe9 au lait", doc_id=SEED)
    assert chunk_counts(fake_rag) == before
    assert fake_rag.service.ask("How many migrants did CBP detain in November?").citations


def test_fifty_megabytes_are_refused_without_reading_the_file(fake_rag, tmp_path):
    folder = tmp_path / "big"
    folder.mkdir()
    big = folder / "huge.txt"
    with big.open("wb") as fh:  # sparse: 50 MB on paper, nothing on disk
        fh.truncate(50 * 1024 * 1024)
    before = chunk_counts(fake_rag)
    tracemalloc.start()
    try:
        report = fake_rag.ingestor.ingest_path(folder)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.skipped == [(str(big), f"{big}: 52,428,800 bytes is over the 5,000,000-byte limit.")]
    assert peak < 5_000_000, f"ingesting a refused 50 MB file allocated {peak:,} bytes"
    assert chunk_counts(fake_rag) == before


def test_upload_over_the_limit_is_refused(fake_rag):
    ingestor = rebuilt(fake_rag, max_file_bytes=1000).ingestor
    with pytest.raises(BadArticle, match=r"^big.txt: 1,001 bytes is over the 1,000-byte limit\.$"):
        ingestor.ingest_bytes("big.txt", b"a" * 1001)


def test_html_keeps_the_text_and_drops_scripts_and_styles(fake_rag):
    page = (
        b"<html><head><title>Talks resume</title><style>p { color: red; }</style>"
        b"<script>var tracker = 'secret-token';</script></head><body>"
        b"<nav>Home | World | Sport</nav>"
        b"<p>Negotiators from Mexico met in the National Palace for two hours.</p>"
        b"<script type='module'>document.write('injected');</script>"
        b"<p>They will meet again in January.</p></body></html>"
    )
    meta = fake_rag.ingestor.ingest_bytes("page.html", page)
    text = " ".join(c.text for c in fake_rag.store.chunks_of(meta.doc_id, meta.version))
    assert "National Palace for two hours" in text and "meet again in January" in text
    for code in ("color", "tracker", "secret-token", "document.write", "injected", "<p>", "<script"):
        assert code not in text


def test_the_same_file_twice_adds_no_chunks(fake_rag, seeds_copy):
    total = fake_rag.store.count()
    again = fake_rag.ingestor.ingest_path(seeds_copy)
    assert len(again.unchanged) == 5 and again.chunks == 0
    data = (SEEDS / f"{SEED}.txt").read_bytes()
    fake_rag.ingestor.ingest_bytes(f"{SEED}.txt", data)
    fake_rag.ingestor.ingest_bytes(f"{SEED}.txt", data)
    assert fake_rag.store.count() == total
    first = fake_rag.ingestor.ingest_bytes("new.txt", GOOD)
    after_one = fake_rag.store.count()
    fake_rag.ingestor.ingest_bytes("new.txt", GOOD)
    assert fake_rag.store.count() == after_one == total + first.n_chunks


@pytest.mark.parametrize(
    ("name", "doc_id", "expected"),
    [
        ("../../etc/passwd.txt", None, "passwd"),
        ("/etc/cron.d/evil.txt", None, "evil"),
        ("..\\..\\Windows\\evil.md", None, "evil"),
        (".hidden.txt", None, "hidden"),
        ("fine.txt", "../../outside", "outside"),
        ("fine.txt", "/abs/path/x", "x"),
        ("fine.txt", "a\x00b", "a_b"),
    ],
)
def test_upload_names_cannot_escape_into_doc_ids(fake_rag, name, doc_id, expected):
    meta = fake_rag.ingestor.ingest_bytes(name, GOOD, doc_id=doc_id)
    assert meta.doc_id == expected
    assert expected in fake_rag.store.articles()
    folder = Path("/srv/library")
    assert (folder / meta.doc_id).resolve().parent == folder


@pytest.mark.parametrize("name", ["..", ".", "dir/", "...txt"])
def test_names_without_a_usable_stem_are_refused(fake_rag, name):
    before = chunk_counts(fake_rag)
    with pytest.raises(BadArticle, match="is not a usable article name"):
        fake_rag.ingestor.ingest_bytes(name, GOOD)
    assert chunk_counts(fake_rag) == before


def test_doc_ids_of_files_on_disk_are_their_stems():
    assert doc_id_for(SEEDS / f"{SEED}.txt") == SEED
    assert doc_id_for(Path("/x/report.v2.txt")) == "report.v2"
    assert safe_id("a.txt.txt") == "a.txt.txt"


def test_folder_report_names_bad_and_ignored_files(fake_rag, seeds_copy):
    before = chunk_counts(fake_rag)
    (seeds_copy / "empty.txt").write_bytes(b"")
    (seeds_copy / "binary.md").write_bytes(b"\x00\x01\x02" * 100)
    (seeds_copy / "scan.tiff").write_bytes(b"II*\x00")
    report = fake_rag.ingestor.ingest_path(seeds_copy)
    assert sorted(Path(name).name for name, _ in report.skipped) == ["binary.md", "empty.txt"]
    assert report.ignored == [str(seeds_copy / "scan.tiff")]
    summary = report.summary()
    assert "skipped" in summary and "empty.txt: the file is empty." in summary
    assert f"ignored 1 file(s) that are not {KINDS}: {seeds_copy / 'scan.tiff'}" in summary
    assert chunk_counts(fake_rag) == before


def test_text_without_punctuation_is_cut_into_bounded_chunks():
    text = " ".join(["migrants crossed the border near Eagle Pass"] * 2000)  # ~90,000 chars, no full stop
    chunks = chunk_article("run-on", MappedText.identity(text), 600)
    assert len(chunks) > 100
    assert max(len(c.text) for c in chunks) <= 600
    assert all(text[s.start : s.end] == s.text for c in chunks for s in c.sentences)
    blob = chunk_article("blob", MappedText.identity("A" * 5000), 600)
    assert [len(c.text) for c in blob] == [600] * 8 + [200]
