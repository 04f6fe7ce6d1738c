"""Each citation names the outlets that carry its sentence, and the cited article's date."""

from __future__ import annotations

from fastapi.testclient import TestClient

from rag.answer.corroboration import corroborate, reported_by
from rag.factory import build
from rag.types import ArticleMeta, Citation
from rag.web.server import create_app
from tests.fakes import HashEmbedder, ScriptedLLM, cite_source_with

SHARED = "The rail crossings at Eagle Pass and El Paso will reopen on Thursday, officials said."


def _article(title: str, outlet: str, date: str, extra: str) -> str:
    header = f"{title}\n\nSource: {outlet}\n\n" if outlet else f"{title}\n\n"
    return f"{header}{date}\n\n{SHARED} {extra}\n"


def test_reported_by_reads_as_a_sentence():
    assert reported_by([]) == ""
    assert reported_by(["VOA"]) == "reported by VOA"
    assert reported_by(["Gestion", "La Opinión", "VOA"]) == "reported by Gestion, La Opinión and VOA"


def test_outlets_are_named_once_each_and_unknown_ones_by_title():
    articles = {
        "a": ArticleMeta(doc_id="a", source="Gestion", date="2023-12-27"),
        "b": ArticleMeta(doc_id="b", source="gestion"),
        "c": ArticleMeta(doc_id="c", title="Border talks resume"),
    }
    citation = Citation(n=1, doc_id="a", title="", quote="q", start=0, end=1, doc_ids=["a", "b", "c", "zz"])
    corroborate([citation], articles)
    assert citation.outlets == ["Gestion", "“Border talks resume”", "zz"]
    assert citation.date == "2023-12-27"


def test_a_folded_sentence_lists_every_outlet_in_the_answer_and_the_api(settings, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "gestion.txt").write_text(_article("Crossings to reopen", "Gestion", "December 27, 2023",
                                                 "Trade groups welcomed the news."))  # fmt: skip
    (folder / "voa.txt").write_text(_article("Rail traffic resumes soon", "VOA", "December 28, 2023",
                                             "Railway companies had lost millions."))  # fmt: skip
    (folder / "untitled.txt").write_text(_article("Border crossings news", "", "", "No outlet is named."))
    rag = build(settings, llm=ScriptedLLM(cite_source_with("Eagle Pass")), embedder=HashEmbedder())
    rag.ingestor.ingest_path(folder)
    answer = rag.service.ask("When will the rail crossings at Eagle Pass reopen?")
    [citation] = answer.citations
    assert sorted(citation.doc_ids) == ["gestion", "untitled", "voa"]
    assert set(citation.outlets) == {"Gestion", "VOA", "“Border crossings news”"}
    assert citation.date == {"gestion": "2023-12-27", "voa": "2023-12-28"}.get(citation.doc_id, "")

    with TestClient(create_app(rag, ui=False)) as client:
        body = client.post(
            "/api/ask", json={"question": "When will the rail crossings at Eagle Pass reopen?"}
        )
    [cited] = body.json()["citations"]
    assert set(cited["outlets"]) == {"Gestion", "VOA", "“Border crossings news”"} and "date" in cited


def test_the_source_card_says_who_reported_it_and_when(settings, tmp_path):
    from rag.web.render import answer_html

    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "gestion.txt").write_text(_article("Crossings to reopen", "Gestion", "December 27, 2023", "A."))
    (folder / "voa.txt").write_text(_article("Rail traffic resumes soon", "VOA", "", "Railway firms lost."))
    rag = build(settings, llm=ScriptedLLM(cite_source_with("Eagle Pass")), embedder=HashEmbedder())
    rag.ingestor.ingest_path(folder)
    answer = rag.service.ask("When will the rail crossings at Eagle Pass reopen?")
    html = answer_html(answer, rag.store.articles(), 10**6)
    assert "Reported by Gestion and VOA" in html or "Reported by VOA and Gestion" in html
    first = answer.citations[0].doc_id
    assert ("2023-12-27" if first == "gestion" else "no date given") in html


def test_the_cli_prints_who_reported_it_and_when(settings, tmp_path, capsys):
    from rag.cli import _print_stream

    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "gestion.txt").write_text(_article("Crossings to reopen", "Gestion", "December 27, 2023", "A."))
    (folder / "voa.txt").write_text(_article("Rail traffic resumes soon", "VOA", "December 27, 2023", "B."))
    rag = build(settings, llm=ScriptedLLM(cite_source_with("Eagle Pass")), embedder=HashEmbedder())
    rag.ingestor.ingest_path(folder)
    _print_stream(rag.service.stream("When will the rail crossings at Eagle Pass reopen?"))
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("  [1]"))
    assert " 2023-12-27 (also " in line
    assert "reported by Gestion and VOA" in line or "reported by VOA and Gestion" in line
