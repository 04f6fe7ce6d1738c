"""Figures that sources report differently: name them all, never pick one silently.

Outlets often disagree on a count ("more than 10,000 migrants" / "thousands of
migrants"), and one article may give two figures for one thing ("2.4 million" and
"nearly 2.5 million" crossings in the last fiscal year). A small model copies one
of them, and the reader has no way to know there was another. The passages in the
prompt already hold the others, so after the checks we look for them there:

* a "how many" answer gets every other figure of the same kind and size that a
  passage about the same thing gives, each with its own citation;
* "What does the figure of 10,000 refer to?" gets every other thing the figure is
  used for.

Deterministic and model-free, so it costs no prompt token and replays with the
other checks (``python -m eval.replay``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answer.citations import CheckedAnswer, citation_for
from rag.text.vocabulary import MARKER, MONTH_STEM, is_year, strip_markers
from rag.text.words import STOPWORDS, fold, stems
from rag.types import Passage

_QUANTITY_Q = re.compile(
    r"\bhow (many|much|large|big)\b|\bwhat (number|figure|amount|size|percentage|share)\b", re.I
)
_MEANING_Q = re.compile(r"\b(refer|mean|stand|represent|describe)s?\b", re.I)
_SCALES = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
# Vague counts reporters use instead of a figure; a middle value stands for the range.
_VAGUE = {
    "dozens": 36.0,
    "hundreds": 300.0,
    "thousands": 3e3,
    "tens of thousands": 3e4,
    "hundreds of thousands": 3e5,
    "millions": 3e6,
}
_QUANTITY = re.compile(
    r"(?P<money>\$\s?)?(?<![\w.])(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w.]*\d)"
    r"(?:\s*(?P<pct>%|percent\b)|\s+(?P<scale>hundred|thousand|million|billion|trillion)\b)?"
    r"|\b(?P<vague>(?:tens|hundreds) of thousands|dozens|hundreds|thousands|millions)(?= of\b)",
    re.I,
)
_DAY_OF_MONTH = re.compile(rf"\b(?:{MONTH_STEM})[a-z]*\b")
_MAX_RATIO = 10.0  # reports of one count differ by less than an order of magnitude
_MAX_EXTRA = 2  # figures added to one answer
_CONTEXT_WORDS = 6


@dataclass(frozen=True)
class Figure:
    text: str  # as written, with the words naming what is counted: "2.4 million border crossings"
    value: float
    dim: str  # "count", "percent" or "money": only figures of one dimension conflict
    unit: frozenset[str]  # stems of the counted thing
    context: frozenset[str]  # stems of the words around the figure


def figures(text: str) -> list[Figure]:
    """The quantities ``text`` states; years and list numbers ("7. Labor ...") are not counts."""
    # "[1]" and "[1, 2]" are no counts. The marker alone goes, the space before it stays, so the
    # characters read around a figure ("Dec. 24") are where they were.
    text = MARKER.sub("", text)
    out = []
    for m in _QUANTITY.finditer(text):
        if m.group("vague"):
            value, dim = _VAGUE[fold(m.group("vague"))], "count"
        else:
            raw = m.group("num").replace(",", "")
            if _is_year_or_label(raw, m, text):
                continue
            value = float(raw) * _SCALES.get(fold(m.group("scale") or ""), 1.0)
            dim = "percent" if m.group("pct") else "money" if m.group("money") else "count"
        after = text[m.end() :].split()
        unit_words = _unit(after)
        before = text[: m.start()].split()[-_CONTEXT_WORDS:]
        counted = after[: len(unit_words) + _skipped(after)] if unit_words else []
        shown = " ".join([m.group(0).strip(), *counted]).rstrip(".,;:")
        out.append(
            Figure(
                text=shown,
                value=value,
                dim=dim,
                unit=frozenset(stems(" ".join(unit_words))),
                context=frozenset(stems(" ".join(before + after[:_CONTEXT_WORDS]))),
            )
        )
    return out


def _is_year_or_label(raw: str, m: re.Match, text: str) -> bool:
    if m.group("scale") or m.group("pct") or m.group("money"):
        return False
    if is_year(m.group("num")):  # as written: "1,900 migrants" is a count
        return True
    near = fold(text[max(0, m.start() - 6) : m.start()] + " " + text[m.end() : m.end() + 6])
    if _DAY_OF_MONTH.search(near) and len(raw) <= 2:
        return True  # "Dec. 24", "27 December"
    # "7. Labor Migration Pathways": a list item's number at the start of a passage.
    return m.start() == 0 and text[m.end() : m.end() + 1] == "."


def _skipped(after: list[str]) -> int:
    return 1 if after and fold(after[0]) == "of" else 0


def _unit(after: list[str]) -> list[str]:
    """The counted thing: up to three words after the figure, through the first plural
    ("2.5 million irregular border encounters recorded" -> irregular border encounters)."""
    unit: list[str] = []
    for word in after[_skipped(after) : _skipped(after) + 3]:
        bare = word.rstrip(".,;:)")
        if fold(bare) in STOPWORDS or not bare.isalpha():
            break
        unit.append(bare)
        if bare != word or (len(bare) > 3 and bare.endswith("s")):
            break
    return unit


def _ratio(a: float, b: float) -> float:
    low, high = sorted((a, b))
    return high / low if low > 0 else float("inf")


def _topic(question: str) -> set[str]:
    return stems(_QUANTITY_Q.sub(" ", question))


def other_figures(question: str, checked: CheckedAnswer, passages: list[Passage]) -> CheckedAnswer:
    """``checked`` with a sentence naming each other figure the passages give for the same thing."""
    if checked.abstained:
        return checked
    by_n = {p.n: p for p in passages}
    cited = [by_n[c.n] for c in checked.citations if c.n in by_n]
    others = [p for p in passages if p.n not in {c.n for c in checked.citations}]
    if not cited or not others:
        return checked
    if _QUANTITY_Q.search(question):
        extra = _differing_counts(question, strip_markers(checked.text), cited, others)
        lead = "A different figure is also reported:"
    elif _MEANING_Q.search(question) and (asked := figures(question)):
        extra = _other_uses(asked[0], cited, others)
        lead = f"{asked[0].text.split()[0]} is also used for:"
    else:
        return checked
    if not extra:
        return checked
    listed = "; ".join(f"{text} [{p.n}]" for text, p in extra[:_MAX_EXTRA])
    return CheckedAnswer(
        f"{checked.text} {lead} {listed}.",
        False,
        checked.citations + [citation_for(p) for _, p in extra[:_MAX_EXTRA]],
        checked.sentences,
    )


def _differing_counts(
    question: str, answer: str, cited: list[Passage], others: list[Passage]
) -> list[tuple[str, Passage]]:
    """Figures of the answer's kind and size, about what was asked, that the answer does not give."""
    answered = figures(answer)
    stated = [f for p in cited for f in figures(p.text) if any(_same(f, a) for a in answered)]
    if not stated:
        return []
    topic = _topic(question)
    bar = max(len(topic & stems(p.text)) for p in cited)
    found: list[tuple[str, Passage]] = []
    seen = {f.value for f in stated}
    for p in others:
        if len(topic & stems(p.text)) < max(2, 0.6 * bar):
            continue  # a passage about something else
        for f in figures(p.text):
            if f.value in seen or not any(_rival(f, s, topic) for s in stated):
                continue
            seen.add(f.value)
            found.append((f.text, p))
    return found


def _same(passage_figure: Figure, answer_figure: Figure) -> bool:
    return passage_figure.dim == answer_figure.dim and passage_figure.value == answer_figure.value


def _rival(f: Figure, stated: Figure, topic: set[str]) -> bool:
    """Whether ``f`` counts what ``stated`` counts, differently: same kind, same order of
    size, and the counted thing is the answer's or one the question names."""
    return (
        f.dim == stated.dim
        and _ratio(f.value, stated.value) <= _MAX_RATIO
        and bool(f.unit & (stated.unit | topic))
    )


def _other_uses(asked: Figure, cited: list[Passage], others: list[Passage]) -> list[tuple[str, Passage]]:
    """Passages that use the asked figure for something the cited ones do not."""
    known = [f.context for p in cited for f in figures(p.text) if f.value == asked.value]
    found: list[tuple[str, Passage]] = []
    for p in others:
        for f in figures(p.text):
            if f.value != asked.value or f.dim != asked.dim:
                continue
            if any(len(f.context & k) / max(1, min(len(f.context), len(k))) >= 0.3 for k in known):
                continue  # the same use in other words
            known.append(f.context)
            found.append((_clause(p.text, f.text), p))
    return found


def _clause(text: str, figure: str) -> str:
    """The words around ``figure`` in its clause: what the figure counts, briefly."""
    clause = next((c for c in re.split(r"[,;:]\s+", text) if figure.split()[0] in c), text)
    tokens = clause.strip(" .").split()
    at = next((i for i, t in enumerate(tokens) if figure.split()[0] in t), 0)
    window = tokens[max(0, at - _CONTEXT_WORDS) : at + _CONTEXT_WORDS + 1]
    while len(window) > 1 and fold(window[-1]) in STOPWORDS:  # "... southern border for"
        window.pop()
    return " ".join(window)
