"""Restricting a question to some outlets, a date range or chosen articles.

A filter is resolved against the manifest (doc_id -> ArticleMeta) into the set of
article ids retrieval may return; BM25 and the dense search then both search inside
that set, so a filtered question still gets its full context budget from the allowed
articles instead of what is left after dropping the others.

Every problem a user can make (a malformed date, since after until, an unknown outlet
or article, a filter no article passes) is a :class:`BadQuestion` naming it. The date
validators raise it directly rather than a ValueError: pydantic lets other exceptions
through unwrapped, so the HTTP layer answers 400 with the same message the CLI prints.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from rag.errors import BadQuestion
from rag.text.vocabulary import ISO_DATE
from rag.text.words import unaccent
from rag.types import ArticleMeta

_ISO_DATE = re.compile(ISO_DATE)


def outlet_key(name: str) -> str:
    """How outlets are compared: case, accents and spacing ignored ("La Opinion" is "La Opinión")."""
    return " ".join(unaccent(name).casefold().split())


def known_outlets(articles: dict[str, ArticleMeta]) -> list[str]:
    """Every outlet the articles name, once each (first spelling seen), sorted."""
    by_key: dict[str, str] = {}
    for meta in articles.values():
        if meta.source:
            by_key.setdefault(outlet_key(meta.source), meta.source)
    return sorted(by_key.values(), key=outlet_key)


class Filters(BaseModel):
    """Which articles a question may be answered from; empty fields do not restrict."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sources: list[str] = Field(
        default_factory=list,
        description="Outlets to keep, e.g. [\"Gestion\"]; case and accents are ignored. "
        "An article whose outlet is not known is excluded when this is given.",
    )
    since: date | None = Field(
        None, description="Keep articles dated on or after this day (YYYY-MM-DD); undated ones are excluded."
    )
    until: date | None = Field(
        None, description="Keep articles dated on or before this day (YYYY-MM-DD); undated ones are excluded."
    )
    articles: list[str] = Field(
        default_factory=list, description="Article ids to keep (as GET /api/articles lists them)."
    )

    @field_validator("sources", "articles", mode="before")
    @classmethod
    def _names(cls, value: object) -> object:
        # One name alone, blanks and repeats are what forms and repeated CLI flags produce.
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return list(dict.fromkeys(v.strip() for v in value if v.strip()))
        return value

    @field_validator("since", "until", mode="before")
    @classmethod
    def _day(cls, value: object, info: ValidationInfo) -> date | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = value.strip() if isinstance(value, str) else value
        if isinstance(text, str) and _ISO_DATE.fullmatch(text):
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
        raise BadQuestion(f"The {info.field_name} date {value!r} is not a date; write it as YYYY-MM-DD.")

    @model_validator(mode="after")
    def _ordered(self) -> Filters:
        if self.since and self.until and self.since > self.until:
            raise BadQuestion(f"The since date {self.since} is after the until date {self.until}.")
        return self

    def is_empty(self) -> bool:
        return not (self.sources or self.since or self.until or self.articles)

    def allowed(self, articles: dict[str, ArticleMeta]) -> frozenset[str]:
        """The ids of the articles this filter keeps; never empty (that is a BadQuestion)."""
        keep = set(articles)
        if self.articles:
            keep &= self._chosen(articles)
        if self.sources:
            keep &= self._from_outlets(articles)
        if self.since or self.until:
            dated = {d for d, meta in articles.items() if self._in_window(meta.date)}
            if not dated:
                raise BadQuestion(f"No article is dated {self._window()}.")
            keep &= dated
        if not keep:
            raise BadQuestion(f"No article matches every filter: {self.describe()}.")
        return frozenset(keep)

    def describe(self) -> str:
        """The filter in words, for messages: "from Gestion; dated on or after 2023-12-29"."""
        parts = []
        if self.articles:
            parts.append("among " + ", ".join(self.articles))
        if self.sources:
            parts.append("from " + " or ".join(self.sources))
        if self.since or self.until:
            parts.append("dated " + self._window())
        return "; ".join(parts) or "no filter"

    def _chosen(self, articles: dict[str, ArticleMeta]) -> set[str]:
        unknown = [a for a in self.articles if a not in articles]
        if unknown:
            raise BadQuestion(
                f"No article has the id {', '.join(map(repr, unknown))} "
                "(GET /api/articles and the page's Library tab list the ids)."
            )
        return set(self.articles)

    def _from_outlets(self, articles: dict[str, ArticleMeta]) -> set[str]:
        known = known_outlets(articles)
        known_keys = {outlet_key(o) for o in known}
        for name in self.sources:
            if outlet_key(name) not in known_keys:
                listed = ", ".join(known) if known else "none (no article names its outlet)"
                raise BadQuestion(f"No article is from outlet {name!r}. Known outlets: {listed}.")
        wanted = {outlet_key(s) for s in self.sources}
        return {d for d, meta in articles.items() if meta.source and outlet_key(meta.source) in wanted}

    def _in_window(self, day: str) -> bool:
        # ISO dates compare as strings; an article without a (well-formed) date matches no window.
        if not _ISO_DATE.fullmatch(day):
            return False
        return (not self.since or day >= self.since.isoformat()) and (
            not self.until or day <= self.until.isoformat()
        )

    def _window(self) -> str:
        if self.since and self.since == self.until:
            return f"on {self.since}"
        if self.since and self.until:
            return f"between {self.since} and {self.until}"
        if self.since:
            return f"on or after {self.since}"
        return f"on or before {self.until}"


def allowed_docs(filters: Filters | None, articles: dict[str, ArticleMeta]) -> frozenset[str] | None:
    """The article ids retrieval may return, or None for no restriction (no filter, or an empty one)."""
    if filters is None or filters.is_empty():
        return None
    return filters.allowed(articles)
