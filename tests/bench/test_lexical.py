from bench import lexical
from bench.report import _row, _s


def test_lexical_section_builds_once_and_compares_with_fts5s_own_ranking(tmp_path):
    out = lexical.run(tmp_path, 305)
    assert out["chunks"] == 305 and out["build_s"] > 0
    # Below common_min nothing is left out of the match: both searches are FTS5's own.
    assert out["identical_rankings"] == out["queries"] == lexical.N_QUERIES
    assert out["top20_kept"] == out["top8_kept"] == 1.0
    assert lexical.run(tmp_path, 305)["build_s"] == 0.0  # the index on disk is reused
    text = "\n".join(lexical.lines(out, _row, _s))
    assert "Lexical search alone (305 chunks" in text and "60/60" in text
