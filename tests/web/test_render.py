"""Answer HTML: quotes in their paragraph, escaping, abstentions, unsupported sentences, timings."""

from __future__ import annotations

from pathlib import Path

from rag.types import ABSTAIN_TEXT, Answer, ArticleMeta, Citation, Passage, SentenceCheck, Support, Timings
from rag.web.render import answer_html, passage_in_context, streaming_html, timing_line

TEXT = (
    "Headline here\n\n"
    "First paragraph, not this one.\n\n"
    "Officials said the meeting was long. They met in the National Palace on Wednesday. "
    "It lasted two hours.\n\n"
    "Last paragraph.\n"
)
QUOTE = "They met in the National Palace on Wednesday."


def _meta(path: Path) -> ArticleMeta:
    return ArticleMeta(doc_id=path.stem, path=str(path), title="Talks", date="2023-12-27", source="AP")


def test_quote_is_shown_inside_its_paragraph(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(TEXT)
    start = TEXT.index(QUOTE)
    before, quote, after = passage_in_context(_meta(path), start, start + len(QUOTE), QUOTE, 10_000)
    assert (before, quote, after) == ("Officials said the meeting was long. ", QUOTE, " It lasted two hours.")


def test_html_offsets_are_mapped_to_visible_text(tmp_path):
    page = "<html><body><p>Intro.</p><p>Officials spoke. <b>They met</b> in the Palace.</p></body></html>"
    path = tmp_path / "a.html"
    path.write_text(page)
    start, end = page.index("<b>They"), page.index("Palace.") + len("Palace.")
    before, quote, after = passage_in_context(_meta(path), start, end, "They met in the Palace.", 10_000)
    assert quote == "They met in the Palace." and before == "Officials spoke. " and after == ""


def test_unreadable_or_changed_files_fall_back_to_the_quote(tmp_path):
    path = tmp_path / "a.txt"
    start = TEXT.index(QUOTE)
    span = (start, start + len(QUOTE), QUOTE)
    assert passage_in_context(_meta(path), *span, 10_000) == ("", QUOTE, "")  # missing
    path.write_text("Completely different text now, the article was edited. " * 5)
    assert passage_in_context(_meta(path), *span, 10_000) == ("", QUOTE, "")  # changed
    path.write_bytes(b"\xff\xfe\x00binary")
    assert passage_in_context(_meta(path), *span, 10_000) == ("", QUOTE, "")  # not text
    path.write_text(TEXT)
    assert passage_in_context(_meta(path), *span, 10) == ("", QUOTE, "")  # over the size limit
    assert passage_in_context(None, *span, 10_000) == ("", QUOTE, "")


def _answer(**kw) -> Answer:  # noqa: ANN003
    support = Support(doc_id="a", title="Talks", quote=QUOTE, start=TEXT.index(QUOTE), end=0)
    support.end = support.start + len(QUOTE)
    citation = Citation(
        n=1,
        doc_id="a",
        title="Talks",
        quote=QUOTE,
        start=support.start,
        end=support.end,
        doc_ids=["a", "b"],
        supports=[support],
    )
    base = dict(
        question="q",
        standalone_question="q",
        answer="They met in the National Palace [1]. It was <script>alert(1)</script> fun [1].",
        abstained=False,
        citations=[citation],
        sentences=[
            SentenceCheck(
                sentence="They met in the National Palace [1].", cites=[1], supported=True, score=1
            ),
            SentenceCheck(
                sentence="It was <script>alert(1)</script> fun [1].", cites=[1], supported=False, score=0.1
            ),
        ],
        unsupported=["It was <script>alert(1)</script> fun [1]."],
        passages=[Passage(n=1, text=QUOTE, score=0.9, supports=[support])],
        timings=Timings(retrieval_s=0.12, generation_s=3.4),
    )
    return Answer(**{**base, **kw})


def test_answer_html_marks_sources_unsupported_sentences_and_timings(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(TEXT)
    html = answer_html(_answer(), {"a": _meta(path)}, 10_000)
    assert '<span class="rag-cite">[1]</span>' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count("rag-unsupported") == 1 and "not supported" in html
    # The unsupported sentence is listed as left out, never in the answer itself.
    shown = html.split('<div class="rag-answer">')[1].split("</div>")[0]
    assert "National Palace" in shown and "fun" not in shown
    assert (
        '<details class="rag-source">' in html
        and '<code class="rag-doc">a</code>' in html
        and "Talks" in html
        and "AP · 2023-12-27" in html
    )
    assert f"<mark>{QUOTE}</mark>" in html and "Officials said the meeting was long." in html
    assert "Reported by AP and b (2 articles: a, b)" in html  # b is not indexed: named by its id
    assert "retrieval 0.12 s · generation 3.4 s · 1 passage used, 1 cited" in html
    assert "Retrieved passages" not in html
    assert "Retrieved passages (1)" in answer_html(_answer(), {}, 10_000, show_passages=True)


def test_the_timings_say_when_a_question_was_asked_twice_and_why():
    assert "asked twice" not in timing_line(_answer())
    line = timing_line(_answer(retry="restated"))
    assert "generation 3.4 s · asked twice (the first reply restated the question) · 1 passage used" in line


def test_an_abstention_is_a_notice_not_an_error():
    html = answer_html(_answer(answer=ABSTAIN_TEXT, abstained=True, citations=[], unsupported=[]), {}, 10_000)
    assert "rag-abstained" in html and ABSTAIN_TEXT in html
    assert "rag-error" not in html and "rag-source" not in html


def test_an_abstention_shows_the_closest_passages_labelled_as_not_an_answer(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(TEXT)
    withheld = _answer(answer=ABSTAIN_TEXT, abstained=True, citations=[], unsupported=[])
    withheld.evidence = _answer().citations
    html = answer_html(withheld, {"a": _meta(path)}, 10_000)
    assert "Closest passages, not an answer" in html and f"<mark>{QUOTE}</mark>" in html
    # The evidence sits under the notice, apart from any answer: there is none.
    assert html.index("rag-abstained") < html.index("rag-evidence") and 'class="rag-answer"' not in html


def test_a_draft_is_muted_and_marked_as_being_checked():
    html = streaming_html("Marc <b>Blanc</b> [1]")
    assert 'class="rag-draft"' in html and "checking" in html and "rag-answer" not in html
    assert "&lt;b&gt;" in html


def test_the_timings_give_the_confidence_and_the_threshold():
    assert "confidence 0.91 (needs 0.80)" in timing_line(_answer(confidence=0.912, threshold=0.8))
    assert "confidence" not in timing_line(_answer())
