from rag.ingest.chunk import chunk_article
from rag.ingest.text import MappedText


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
