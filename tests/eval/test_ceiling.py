"""eval.ceiling: the perfect-retrieval run adds exactly the gold facts the passages lack."""

from __future__ import annotations

from eval.ceiling import article_sentences, with_gold_facts
from eval.gold import GoldItem
from rag.types import ArticleMeta, Chunk, Passage, Sentence, Support

ITEM = GoldItem(
    id="multi-next-round",
    question="Where and when will the next round of talks take place?",
    answers=[["January"], ["Washington"]],
    sources=["001", "002"],
    answerable=True,
)


def _passage(n: int, text: str, score: float, doc: str = "001") -> Passage:
    return Passage(
        n=n, text=text, score=score, supports=[Support(doc_id=doc, quote=text, start=0, end=len(text))]
    )


def _sentences() -> dict[str, list[Support]]:
    def s(doc: str, text: str, start: int) -> Support:
        return Support(doc_id=doc, quote=text, start=start, end=start + len(text))

    return {
        "001": [s("001", "The talks ended on Wednesday.", 0)],
        "002": [
            s("002", "Officials will meet in Washington in January.", 40),
            s("002", "Washington later confirmed it.", 90),
        ],
        "003": [s("003", "Nobody met in Washington.", 0)],  # not a gold source
    }


def test_a_missing_fact_is_added_from_the_first_gold_source_sentence_that_states_it():
    passages = [
        _passage(1, "The two countries will hold further talks in January.", 0.5),
        _passage(2, "x", 0.3),
    ]
    got = with_gold_facts(passages, ITEM, _sentences())
    assert got[:2] == passages
    assert len(got) == 3
    added = got[2]
    assert (added.n, added.text, added.score) == (3, "Officials will meet in Washington in January.", 0.3)
    assert added.supports[0].doc_id == "002" and added.supports[0].start == 40


def test_passages_that_already_hold_every_fact_are_left_alone():
    passages = [_passage(1, "They meet in Washington in January.", 0.5)]
    assert with_gold_facts(passages, ITEM, _sentences()) == passages


def test_one_added_sentence_can_serve_two_facts_and_no_sentence_is_invented():
    both = with_gold_facts([], ITEM, _sentences())
    assert [p.text for p in both] == ["Officials will meet in Washington in January."]
    unstated = ITEM.model_copy(update={"answers": [["Ottawa"]]})
    assert with_gold_facts([], unstated, _sentences()) == []


def test_article_sentences_are_the_current_versions_sentences_with_their_file_offsets():
    text = "Blinken led the delegation. They met for two hours."
    sentences = [
        Sentence(text="Blinken led the delegation.", start=100, end=127),
        Sentence(text="They met for two hours.", start=128, end=151),
    ]
    chunk = Chunk(id="002:0", doc_id="002", index=0, text=text, start=0, end=len(text), sentences=sentences)

    stale = chunk.model_copy(update={"sentences": [Sentence(text="An old sentence.", start=0, end=16)]})

    class _Store:
        def articles(self):
            return {"002": ArticleMeta(doc_id="002", sha256="new")}

        def iter_chunks(self):
            yield stale, "old"
            yield chunk, "new"

    got = article_sentences(_Store())
    assert list(got) == ["002"]
    assert [(s.quote, s.start, s.end) for s in got["002"]] == [
        ("Blinken led the delegation.", 100, 127),
        ("They met for two hours.", 128, 151),
    ]


def test_a_run_on_a_real_index_shows_the_model_the_missing_sentence(monkeypatch, tmp_path, capsys):
    """Real Chroma, lexical index and selection on the seeds; fake models. One passage is
    allowed, and the question does not ask about the meeting's length, so selection alone
    never shows the "two hours" sentence; the ceiling run must."""
    import json

    from eval import ceiling
    from rag import factory
    from tests.fakes import HashEmbedder, ScriptedLLM, cite_source_with

    llm = ScriptedLLM(cite_source_with("two hours"))
    real_build = factory.build
    monkeypatch.setattr(
        factory, "build", lambda s, llm_=None, **kw: real_build(s, llm=llm, embedder=HashEmbedder())
    )
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "data"))
    item = {
        "id": "length",
        "question": "Who led the US delegation?",
        "answers": [["two hours"]],
        "sources": ["002_b0aabae521d8c3a1"],
        "answerable": True,
    }
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps(item) + "\n", encoding="utf-8")
    out = tmp_path / "run"
    argv = ["--gold", str(gold), "--out", str(out), "--set", "max_passages=1", "--quiet"]
    assert ceiling.main(argv) == 0
    assert "1 of 1 questions had a missing gold fact added" in capsys.readouterr().out
    shown = [p for p in llm.prompts if "Who led the US delegation?" in p[-1]["content"]][-1][-1]["content"]
    assert "[2] Mexican President Andres Manuel Lopez Obrador met for more than two hours" in shown
    row = json.loads((out / "predictions.jsonl").read_text(encoding="utf-8"))
    assert row["facts_in_context"] == [True]  # scored on what the model was shown
    assert row["passages"][-1]["doc_ids"] == ["002_b0aabae521d8c3a1"]
    assert json.loads((out / "metrics.json").read_text())["run"]["ceiling_questions_given_facts"] == 1
