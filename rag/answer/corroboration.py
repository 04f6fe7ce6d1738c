"""Which outlets carry a cited sentence, and when the cited article is dated.

The passage builder folds near-identical sentences from different articles into one
passage (``Passage.supports``). A reader weighs a claim by how many outlets report it,
so each citation names them: "reported by Gestion, La Opinión and VOA".
"""

from __future__ import annotations

from rag.types import ArticleMeta, Citation

_TITLE_CHARS = 60  # an article with no known outlet is named by its title, shortened


def _name(doc_id: str, articles: dict[str, ArticleMeta]) -> str:
    meta = articles.get(doc_id)
    if meta is None:
        return doc_id
    if meta.source:
        return meta.source
    title = meta.title or doc_id
    return f"“{title[:_TITLE_CHARS].rstrip()}…”" if len(title) > _TITLE_CHARS else f"“{title}”"


def corroborate(citations: list[Citation], articles: dict[str, ArticleMeta]) -> None:
    """Fill each citation's ``outlets`` (one per outlet, first seen first) and ``date``, in place."""
    for citation in citations:
        names: list[str] = []
        for doc_id in citation.doc_ids or [citation.doc_id]:
            name = _name(doc_id, articles)
            if name.casefold() not in {n.casefold() for n in names}:  # two articles of one outlet
                names.append(name)
        citation.outlets = names
        meta = articles.get(citation.doc_id)
        citation.date = meta.date if meta else ""


def reported_by(outlets: list[str]) -> str:
    """``"reported by A, B and C"``, or '' for none."""
    if not outlets:
        return ""
    if len(outlets) == 1:
        return f"reported by {outlets[0]}"
    return f"reported by {', '.join(outlets[:-1])} and {outlets[-1]}"
