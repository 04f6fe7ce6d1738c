from rag.ingest.text import MappedText, html_to_text


def test_html_text_keeps_offsets_and_drops_code():
    raw = (
        "<html><head><style>p{}</style></head><body><h1>Talks &amp; trade</h1>"
        "<script>alert(1)</script><p>Blinken met\nAMLO.</p></body></html>"
    )
    mapped = html_to_text(raw)
    assert "alert" not in mapped.text and "p{}" not in mapped.text
    assert "Talks & trade" in mapped.text
    i = mapped.text.index("Blinken")
    start, end = mapped.orig_span(i, i + len("Blinken met AMLO."))
    assert raw[start:end] == "Blinken met\nAMLO."


def test_join_and_slice_map_back():
    src = MappedText.identity("alpha\nbeta gamma\ndelta")
    joined = MappedText.join([src.slice(0, 5), src.slice(11, 16)])
    assert joined.text == "alpha\ngamma"
    assert joined.orig_span(6, 11) == (11, 16)
