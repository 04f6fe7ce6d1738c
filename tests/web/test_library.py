"""Uploads, deletes and re-indexing, through the HTTP API and the library underneath."""

from __future__ import annotations

from pathlib import Path

import pytest

from rag.errors import BadArticle
from rag.web.library import Library, Upload, safe_name
from tests.web.conftest import json_error

ARTICLE = (
    b"Zebra talks in Oaxaca\n\nDelegations from both countries met in Oaxaca on Friday to discuss the "
    b"zebra crossing programme.\n\nThe programme will start in March.\n"
)


def _upload(client, *files: tuple[str, bytes]):  # noqa: ANN001, ANN202
    return client.post("/api/articles", files=[("files", (name, data, "text/plain")) for name, data in files])


def _all_files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../x.txt", "x.txt"),
        ("../../etc/passwd", "passwd"),
        ("/etc/passwd", "passwd"),
        ("..\\..\\windows\\evil.md", "evil.md"),
        (".hidden.txt", "hidden.txt"),
        ("a b;rm -rf $HOME.txt", "a b_rm -rf _HOME.txt"),
        ("López Obrador.html", "López Obrador.html"),
    ],
)
def test_safe_name_keeps_only_a_basename(name, expected):
    assert safe_name(name) == expected


@pytest.mark.parametrize("name", ["", "..", "../", "/", ". .", "\x00\x01"])
def test_names_with_nothing_usable_are_refused(name):
    with pytest.raises(BadArticle, match="no usable characters"):
        safe_name(name)


def test_upload_ingests_saves_and_answers(client, fake_rag):
    got = _upload(client, ("zebra.txt", ARTICLE))
    assert got.status_code == 201, got.text
    [meta] = got.json()["added"]
    assert meta["doc_id"] == "zebra" and meta["n_chunks"] >= 1
    saved = fake_rag.settings.data_dir / "library" / "zebra.txt"
    assert saved.read_bytes() == ARTICLE and meta["path"] == str(saved)
    ids = [a["doc_id"] for a in client.get("/api/articles").json()["articles"]]
    assert "zebra" in ids and len(ids) == 6


def test_traversal_names_never_escape_the_library(client, fake_rag, tmp_path):
    before = _all_files(tmp_path)
    got = _upload(client, ("../../escape.txt", ARTICLE), ("/tmp/abs.md", ARTICLE), ("..\\win.txt", ARTICLE))
    assert got.status_code == 201, got.text
    assert sorted(m["doc_id"] for m in got.json()["added"]) == ["abs", "escape", "win"]
    new = _all_files(tmp_path) - before
    assert new and all(p.startswith("data/") for p in new)
    assert {p for p in new if "library" in p} == {
        "data/library/escape.txt",
        "data/library/abs.md",
        "data/library/win.txt",
    }
    assert not (tmp_path / "escape.txt").exists() and not Path("/tmp/abs.md").exists()


def test_etc_passwd_is_refused_as_unsupported(client):
    got = _upload(client, ("/etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n"))
    message = json_error(got, 422)
    assert "unsupported file type" in message and ".txt" in message


def test_oversized_upload_is_refused_with_413_and_nothing_changes(client, fake_rag):
    limit = fake_rag.settings.max_upload_bytes
    got = _upload(client, ("big.txt", b"word " * (limit // 5 + 10)))
    assert "RAG_MAX_UPLOAD_BYTES" in json_error(got, 413)
    assert client.get("/api/articles").json()["count"] == 5
    assert not (fake_rag.settings.data_dir / "library" / "big.txt").exists()


def test_too_many_files_are_refused_as_a_whole(client, fake_rag):
    n = fake_rag.settings.max_upload_files + 1
    got = _upload(client, *[(f"a{i}.txt", ARTICLE) for i in range(n)])
    assert "RAG_MAX_UPLOAD_FILES" in json_error(got, 400)
    assert client.get("/api/articles").json()["count"] == 5


def test_a_mixed_upload_keeps_the_good_files_and_names_the_bad(client):
    got = _upload(client, ("zebra.txt", ARTICLE), ("photo.pdf", b"%PDF-1.4"), ("empty.md", b"  \n"))
    assert got.status_code == 200
    body = got.json()
    assert [m["doc_id"] for m in body["added"]] == ["zebra"]
    assert {r["name"] for r in body["refused"]} == {"photo.pdf", "empty.md"}
    assert "photo.pdf" in body["error"] and "empty" in body["error"]


def test_a_refused_replacement_keeps_the_good_copy(client, fake_rag):
    assert _upload(client, ("zebra.txt", ARTICLE)).status_code == 201
    assert _upload(client, ("zebra.txt", b"\x00\x01binary")).status_code == 422
    assert (fake_rag.settings.data_dir / "library" / "zebra.txt").read_bytes() == ARTICLE
    assert "zebra" in fake_rag.store.articles()
    assert [p.name for p in (fake_rag.settings.data_dir / "library").iterdir()] == ["zebra.txt"]


def test_delete_removes_from_index_and_library_but_never_a_source_folder(client, fake_rag, seeds_copy):
    _upload(client, ("zebra.txt", ARTICLE))
    assert client.delete("/api/articles/zebra").json() == {"deleted": "zebra"}
    assert not (fake_rag.settings.data_dir / "library" / "zebra.txt").exists()
    assert "zebra" in json_error(client.delete("/api/articles/zebra"), 404)
    seed = "000_28062022011ac162"
    assert client.delete(f"/api/articles/{seed}").status_code == 200
    assert (seeds_copy / f"{seed}.txt").exists()  # the user's own folder is left alone
    assert client.get("/api/articles").json()["count"] == 4


def test_reindex_picks_up_an_edited_article(client, fake_rag, seeds_copy):
    path = seeds_copy / "003_1223d51fc53dc40e.txt"
    path.write_text(path.read_text() + "\n\nA new closing paragraph about zebra crossings.\n")
    body = client.post("/api/reindex").json()
    assert body["updated"] == ["003_1223d51fc53dc40e"] and "1 updated" in body["summary"]
    assert client.post("/api/reindex").json()["updated"] == []


def test_reindex_reports_a_vanished_file_and_keeps_the_article(fake_rag, seeds_copy):
    (seeds_copy / "004_3f19723b59c844a4.txt").unlink()
    report = Library(fake_rag).reindex()
    assert any("gone" in why for _, why in report.skipped)
    assert "004_3f19723b59c844a4" in fake_rag.store.articles()


def test_upload_sizes_are_checked_before_reading_everything(fake_rag):
    library = Library(fake_rag)
    huge = Upload("huge.txt", b"x" * 10, size=fake_rag.settings.max_upload_bytes * 10)
    result = library.add_many([huge])
    assert result.added == [] and "RAG_MAX_UPLOAD_BYTES" in str(result.refused[0][1])
