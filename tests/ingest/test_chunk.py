from rag.ingest.chunk import chunk_article, split_sentences
from rag.ingest.text import MappedText


def _sentences(text):
    return [text[a:b] for a, b in split_sentences(text)]


def test_split_respects_abbreviations_and_lines():
    text = "U.S. Secretary Blinken met AMLO on Dec. 27. They talked.\nHeadline without stop\nNext one."
    assert _sentences(text) == [
        "U.S. Secretary Blinken met AMLO on Dec. 27.",
        "They talked.",
        "Headline without stop",
        "Next one.",
    ]


def test_soft_wrapped_line_is_not_a_break():
    assert _sentences("The delegation will\ntravel on Wednesday.") == [
        "The delegation will\ntravel on Wednesday."
    ]


def test_chunks_group_sentences_with_original_offsets():
    raw = "First sentence here. Second sentence here. Third one is longer than the others."
    chunks = chunk_article("doc", MappedText.identity(raw), max_chars=45)
    assert [c.text for c in chunks] == [
        "First sentence here. Second sentence here.",
        "Third one is longer than the others.",
    ]
    assert [c.id for c in chunks] == ["doc::0", "doc::1"]
    for chunk in chunks:
        assert raw[chunk.start : chunk.end] == chunk.text
        for s in chunk.sentences:
            assert raw[s.start : s.end] == s.text
