"""The gold question set: schema and loading.

One JSON object per line. A bad line is reported by its number and what is
wrong with it, so whoever edits the file can fix it without reading a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator


class GoldError(Exception):
    """The gold file cannot be used; the message names the file and line."""


class GoldTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: str


class GoldItem(BaseModel):
    """One question with what a right answer must contain and which articles state it."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    history: list[GoldTurn] = Field(default_factory=list, description="Chat so far, oldest first.")
    answers: list[list[str]] = Field(
        description="Required facts; each is a list of aliases, any of which counts as the fact."
    )
    sources: list[str] = Field(description="Every article id that states the answer.")
    answerable: bool
    category: str | None = Field(None, description="Optional; derived when absent.")
    note: str | None = Field(None, description="What the right behaviour is, where it is not obvious.")

    @field_validator("answers")
    @classmethod
    def _facts_have_aliases(cls, answers: list[list[str]]) -> list[list[str]]:
        for i, aliases in enumerate(answers):
            if not aliases or not all(a.strip() for a in aliases):
                raise ValueError(f"fact {i + 1} needs at least one non-empty alias")
        return answers

    @model_validator(mode="after")
    def _consistent(self) -> GoldItem:
        if not self.answerable and (self.answers or self.sources):
            raise ValueError("an unanswerable question must have empty answers and sources")
        if self.answerable and not (self.answers or self.sources):
            raise ValueError("an answerable question needs answers or sources to check against")
        return self

    @property
    def kind(self) -> str:
        """The category used in reports: the given one, else derived from the item."""
        if self.category:
            return self.category
        if not self.answerable:
            return "unanswerable"
        return "followup" if self.history else "other"


def _describe(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            allowed = ", ".join(GoldItem.model_fields)
            msg = f"unknown field (allowed: {allowed})"
        parts.append(f"{where}: {msg}" if where else msg)
    return "; ".join(parts)


def parse_line(line: str, where: str) -> GoldItem:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as err:
        raise GoldError(f"{where}: not valid JSON ({err.msg} at column {err.colno})") from None
    if not isinstance(data, dict):
        raise GoldError(f"{where}: expected a JSON object, got {type(data).__name__}")
    try:
        return GoldItem.model_validate(data)
    except ValidationError as err:
        label = f" (id {data['id']!r})" if isinstance(data.get("id"), str) else ""
        raise GoldError(f"{where}{label}: {_describe(err)}") from None


def load_gold(path: str | Path) -> list[GoldItem]:
    """Read a gold file; raise :class:`GoldError` naming the first bad line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GoldError(f"{path}: no such gold file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise GoldError(f"{path}: cannot be read as UTF-8 text ({err})") from None
    items: list[GoldItem] = []
    first_line: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        item = parse_line(line, f"{path} line {number}")
        if item.id in first_line:
            raise GoldError(
                f"{path} line {number}: duplicate id {item.id!r} (first used on line {first_line[item.id]})"
            )
        first_line[item.id] = number
        items.append(item)
    if not items:
        raise GoldError(f"{path}: the gold file has no questions")
    return items
