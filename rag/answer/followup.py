"""Turn a follow-up question into a standalone one before retrieval.

Rewriting costs a model call (about two seconds here), so it runs only when
the question leans on the conversation: a pronoun, a "there", or too few words
to stand alone.
"""

from __future__ import annotations

import re

from rag.answer.prompt import rewrite_messages
from rag.components.llm import LLM
from rag.text.words import content_words, words
from rag.types import Turn

_REFERRING = frozenset(
    "he she him his her hers they them their theirs it its there that those this these then "
    "former latter same".split()
)
_ELLIPTIC = re.compile(r"^\s*(and|what about|how about|also|so)\b", re.I)


def needs_rewrite(question: str, history: list[Turn]) -> bool:
    if not history:
        return False
    toks = words(question)
    return bool(_REFERRING & set(toks)) or bool(_ELLIPTIC.match(question)) or len(content_words(question)) < 2


def rewrite(llm: LLM, question: str, history: list[Turn], max_tokens: int = 48) -> tuple[str, int]:
    """(standalone question, prompt tokens spent)."""
    text, usage = llm.complete(rewrite_messages(question, history), max_tokens)
    line = text.strip().splitlines()[0].strip().strip('"') if text.strip() else ""
    line = re.sub(r"^(standalone question|question)\s*:\s*", "", line, flags=re.I)
    # A model that answers instead of rewriting gives no question; fall back to plain context.
    if not line or len(line) > 4 * len(question) + 200:
        last_user = next((t.content for t in reversed(history) if t.role == "user"), "")
        line = f"{last_user} {question}".strip()
    return line, usage.prompt_tokens
