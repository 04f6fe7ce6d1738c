"""HTML for answers in the chat: cited sentences, source cards with the quote in its paragraph.

Everything taken from the model or an article is escaped; the only markup is ours.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from html import escape
from pathlib import Path

from rag.answer.corroboration import corroborate, reported_by
from rag.errors import BadArticle
from rag.ingest.reader import read_text
from rag.ingest.text import MappedText
from rag.text.vocabulary import MARKER
from rag.types import Answer, ArticleMeta, Citation, Passage

_CONTEXT_CHARS = 700  # paragraph text kept on each side of a quote, at most


def _norm(text: str) -> str:
    return " ".join(text.split())


def passage_in_context(meta: ArticleMeta | None, start: int, end: int, quote: str, max_bytes: int) -> tuple:
    """``(before, quote, after)``: the paragraph of the article file around ``[start, end)``.

    Falls back to ``("", quote, "")`` when the file is gone, unreadable, too large,
    or no longer holds the quote at those offsets (it changed since indexing).
    """
    fallback = ("", quote, "")
    path = Path(meta.path) if meta and meta.path else None
    try:
        if path is None or not path.is_file() or path.stat().st_size > max_bytes:
            return fallback
        stat = path.stat()
        mapped = _file_text(str(path), stat.st_mtime_ns, stat.st_size)
    except (OSError, BadArticle):
        return fallback
    i = bisect_left(mapped.offsets, start, hi=len(mapped.text))
    j = bisect_left(mapped.offsets, end, lo=i, hi=len(mapped.text))
    text = mapped.text
    if _norm(text[i:j]) != _norm(quote):
        return fallback
    lo, hi = _paragraph(text, i, j)
    before, after = text[lo:i], text[j:hi]
    if len(before) > _CONTEXT_CHARS:
        before = "… " + before[-_CONTEXT_CHARS:].split(" ", 1)[-1]
    if len(after) > _CONTEXT_CHARS:
        after = after[:_CONTEXT_CHARS].rsplit(" ", 1)[0] + " …"
    return before.lstrip(), text[i:j], after.rstrip()


@lru_cache(maxsize=16)
def _file_text(path: str, mtime_ns: int, size: int) -> MappedText:
    """The file's text with offsets, kept while the file is unchanged (several cards share
    an article, and extracting a long PDF again for each would cost seconds).

    Offsets are into the file (for HTML, mapped onto its visible text), or into the
    extracted text of a PDF or DOCX, which extracting the same bytes again gives back.
    """
    return read_text(Path(path).read_bytes(), Path(path).name)[0]


def _paragraph(text: str, i: int, j: int) -> tuple[int, int]:
    """Bounds of the paragraph holding ``text[i:j]``: blank lines, else line breaks if that is long."""
    for sep in (r"\n\s*\n", r"\n"):
        starts = [m.end() for m in re.finditer(sep, text[:i])]
        lo = starts[-1] if starts else 0
        m = re.compile(sep).search(text, j)
        hi = m.start() if m else len(text)
        if hi - lo <= 3 * _CONTEXT_CHARS:
            break
    return lo, hi


def streaming_html(text: str) -> str:
    """The model's draft while it is being written: muted and marked, never styled as an answer.
    The checked answer, or the abstention with its evidence, replaces it."""
    return (
        '<div class="rag-draft" aria-live="polite"><div class="rag-label">Draft, checking…</div>'
        f'{escape(text)}<span class="rag-cursor">▍</span></div>'
    )


def notice_html(message: str, kind: str = "error") -> str:
    return f'<div class="rag-notice rag-{kind}">{escape(message)}</div>'


def answer_html(
    answer: Answer, articles: dict[str, ArticleMeta], max_bytes: int, show_passages: bool = False
) -> str:
    """The final answer: text with [n] markers, sentences left out, sources, timings."""
    if answer.abstained:
        body = notice_html(answer.answer, "abstained")
        if answer.evidence:
            # For the reader to look at, labelled as what it is: the tool asserts nothing here.
            cards = "".join(_source_card(c, articles, max_bytes) for c in answer.evidence)
            body += (
                '<div class="rag-evidence"><div class="rag-label">Closest passages, not an answer</div>'
                f"{cards}</div>"
            )
    else:
        body = f'<div class="rag-answer">{_sentences_html(answer)}</div>'
        if answer.unsupported:
            # Left out of the answer, never shown as fact; listed so the reader sees what was cut.
            items = "".join(
                f'<li class="rag-unsupported">{_markers(escape(s))}</li>' for s in answer.unsupported
            )
            body += (
                f'<details class="rag-left-out"><summary>{len(answer.unsupported)} sentence(s) left out: '
                f"not supported by the sources they cite</summary><ul>{items}</ul></details>"
            )
        cards = "".join(_source_card(c, articles, max_bytes) for c in answer.citations)
        body += f'<div class="rag-sources"><div class="rag-label">Sources</div>{cards}</div>'
    if show_passages and answer.passages:
        items = "".join(_passage_item(p) for p in answer.passages)
        body += (
            f'<details class="rag-passages"><summary>Retrieved passages ({len(answer.passages)})</summary>'
            f"<ol>{items}</ol></details>"
        )
    return body + f'<div class="rag-timings">{escape(timing_line(answer))}</div>'


_ASKED_AGAIN = {
    "restated": "asked twice (the first reply restated the question)",
    "unsure": "asked twice (the model was unsure of its first reply)",
}


def timing_line(answer: Answer) -> str:
    t = answer.timings
    parts = [f"retrieval {t.retrieval_s:.2f} s", f"generation {t.generation_s:.1f} s"]
    if t.rewrite_s:
        parts.insert(0, f"follow-up rewrite {t.rewrite_s:.1f} s")
    if answer.retry:  # says why this answer took two replies' time
        parts.append(_ASKED_AGAIN[answer.retry])
    if answer.confidence is not None:
        parts.append(f"confidence {answer.confidence:.2f} (needs {answer.threshold or 0:.2f})")
    used = len(answer.passages)
    cited = len(answer.citations)
    return " · ".join(parts) + f" · {used} passage{'s' * (used != 1)} used, {cited} cited"


def _sentences_html(answer: Answer) -> str:
    if not answer.sentences:
        return _markers(escape(answer.answer))
    return " ".join(_markers(escape(s.sentence)) for s in answer.sentences if s.supported)


def _markers(html: str) -> str:
    return MARKER.sub(r'<span class="rag-cite">[\1]</span>', html)


def _source_card(c: Citation, articles: dict[str, ArticleMeta], max_bytes: int) -> str:
    meta = articles.get(c.doc_id)
    before, quote, after = passage_in_context(meta, c.start, c.end, c.quote, max_bytes)
    title = (meta.title if meta else "") or c.title or c.doc_id
    # Every card shows the article's date, or says there is none to weigh the claim by.
    date = (meta.date if meta else "") or c.date or "no date given"
    facts = [x for x in ((meta.source if meta else ""), date) if x]
    also = ""
    if len(c.doc_ids) > 1:  # the same sentence in several articles: say who carries it
        outlets = c.outlets or _outlets(c, articles)
        also = (
            f'<div class="rag-also">{escape(reported_by(outlets)[:1].upper() + reported_by(outlets)[1:])} '
            f"({len(c.doc_ids)} articles: {escape(', '.join(c.doc_ids))})</div>"
        )
    return (
        '<details class="rag-source">'
        f'<summary><span class="rag-cite">[{c.n}]</span> <span class="rag-title">{escape(title)}</span>'
        f'<span class="rag-meta">{escape(" · ".join(facts))}</span>'
        f'<code class="rag-doc">{escape(c.doc_id)}</code></summary>'
        f'<p class="rag-paragraph">{escape(before)} <mark>{escape(quote)}</mark> {escape(after)}</p>'
        f"{also}</details>"
    )


def _outlets(c: Citation, articles: dict[str, ArticleMeta]) -> list[str]:
    """Outlets for a citation made before answers carried them (a replayed or stored answer)."""
    copy = c.model_copy()
    corroborate([copy], articles)
    return copy.outlets


def _passage_item(p: Passage) -> str:
    docs = ", ".join(p.doc_ids)
    return f'<li value="{p.n}">{escape(p.text)} <code>{escape(docs)}</code> ({p.score:.2f})</li>'
