"""List questions: the items other articles add, named with their own citations.

"Which border crossings did the United States close?" is answered by one article's
rail bridges and another's road crossings. A small model copies the first sentence
it finds and stops, and the answer looks complete. The passages in the prompt often
hold the rest, so after the checks we look for them there: a passage that says what
the cited one says about the question (it has every question word the cited passage
has, and the thing asked for, "crossings") and names things the answer does not yet
name adds them, with its number:

    "... Eagle Pass (Texas) ... and El Paso (Texas) ... [1]. Also: Lukesville and San Ysidro [4]."

Deterministic and model-free, like ``conflicts``: no prompt token, and it replays
with the other checks (``python -m eval.replay``).
"""

from __future__ import annotations

import re

from rag.answer.citations import CheckedAnswer, citation_for
from rag.answer.claims import BRACKETED, claims, has_kind, vocabulary
from rag.text.words import stems
from rag.types import Passage

# A plural noun right after "which"/"what" (one modifier allowed: "Which US officials").
_LIST_Q = re.compile(
    r"^\s*(?:[Nn]ame|[Ll]ist)\b|\b[Ww]ho (?:were|are)\b"
    r"|\b[Ww](?:hich|hat)\s+(?:(?P<mod>[\w-]+)\s+)?(?!(?:is|was|has|does|his|its|this|thus|news|as|us)\b)"
    r"(?P<noun>[a-z][a-z-]*[^s\W]s)\b"
)
_MAX_EXTRA = 2  # passages that may add items to one answer


def asks_for_list(question: str) -> bool:
    """Whether the question asks for several items ("Which border crossings ...?",
    "Name the officials ...")."""
    return bool(_LIST_Q.search(question))


def more_items(question: str, checked: CheckedAnswer, passages: list[Passage]) -> CheckedAnswer:
    """``checked`` with the items that uncited passages about the same thing add."""
    noun = _LIST_Q.search(question)
    if checked.abstained or not noun:
        return checked
    by_n = {p.n: p for p in passages}
    cited = [by_n[c.n] for c in checked.citations if c.n in by_n]
    # What the cited passages say about the question: every other passage must say it too,
    # and name the kind of thing asked for ("crossings").
    about = stems(question) & set().union(*(stems(p.text) for p in cited)) | stems(noun.group("noun") or "")
    named = vocabulary(f"{question} {checked.text}")
    extra: list[tuple[list[str], Passage]] = []
    for passage in passages:
        if passage in cited or len(about) < 2 or not about <= stems(passage.text):
            continue
        if _other_owner(noun, passage.text):
            continue
        items = [i for i in _names(passage.text) if not vocabulary(i) & named]
        if items:
            extra.append((items, passage))
            named |= vocabulary(" ".join(items))
        if len(extra) == _MAX_EXTRA:
            break
    if not extra:
        return checked
    added = " ".join(f"Also: {_join(items)} [{p.n}]." for items, p in extra)
    citations = checked.citations + [citation_for(p) for _, p in extra]
    return CheckedAnswer(f"{checked.text} {added}", False, citations, checked.sentences)


def _other_owner(match: re.Match, text: str) -> bool:
    """Whether the passage's "U.S. officials" are not the question's "Mexican officials":
    every time it names the thing, another name qualifies it."""
    mod, noun = match.group("mod"), match.group("noun")
    if not mod or not mod[:1].isupper():
        return False
    before = re.findall(rf"([\w.'’-]+)\s+{re.escape(noun)}\b", text, re.I)
    return bool(before) and all(b[:1].isupper() and b.rstrip(".") != mod for b in before)


def _names(text: str) -> list[str]:
    """The names ``text`` states outside brackets; numbers and dates are not list items."""
    return [c for c in claims(BRACKETED.sub("", text)) if not _has_time_or_number(c)]


def _has_time_or_number(claim: str) -> bool:
    return any(ch.isdigit() for ch in claim) or bool(has_kind(claim, "time"))


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
