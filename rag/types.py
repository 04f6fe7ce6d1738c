"""The typed records that flow through the pipeline and out of the API."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, Field

# What the model is told to reply when no source states the answer (rag/answer/prompt.py).
REFUSAL_TEXT = "I could not find that in the articles."
# What the reader is shown instead of an answer: a refusal, or an answer not confident enough.
ABSTAIN_TEXT = "I could not find a confident answer in the articles."
# A manifest record no article has (rag/components/store.py): every manifest write gives it
# a new random value, so a reader learns whether the manifest changed from one record
# instead of all of them. The reader refuses an article file with this name.
STAMP_DOC_ID = "__manifest_stamp__"


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class Sentence(BaseModel):
    """A sentence of an article, located both in the cleaned text and the original file."""

    text: str
    start: int = Field(description="Character offset of the sentence in the original file.")
    end: int = Field(description="End offset (exclusive) in the original file.")


class Chunk(BaseModel):
    id: str
    doc_id: str
    index: int
    text: str
    start: int
    end: int
    sentences: list[Sentence]


class ArticleMeta(BaseModel):
    doc_id: str
    path: str = ""
    title: str = ""
    date: str = ""
    date_from: str = Field(
        "",
        description="Where the date comes from: 'file' (PDF/Word metadata), 'dateline' (a dateline "
        "or date line) or 'text' (the first date in the body: maybe an event's, not the article's).",
    )
    source: str = ""
    author: str = ""
    sha256: str = Field("", description="SHA-256 of the article file's bytes.")
    parser: int = Field(
        0,
        description="Fingerprint of the parsing code (cleaning, chunking, sentence context) that made "
        "the chunks (rag.ingest.reader.parser_version); a small number from versions that numbered "
        "it by hand, 0 for articles indexed before it was recorded. Unlike today's: re-indexed.",
    )
    n_chunks: int = 0

    @property
    def version(self) -> str:
        """What names this article's indexed chunks: the file's hash and the rules that parsed it.

        A change to either re-indexes the article. The parser comes first so that the record
        ids of two parses (``record_id``: 24 characters of this) never collide: the old
        version's chunks stay readable until the new manifest record replaces them. The 12
        or more hex digits of the hash left there keep two edits of one file apart.
        """
        return f"p{self.parser}:{self.sha256}" if self.parser else self.sha256


class Hit(BaseModel):
    """A retrieved chunk with its fused score."""

    chunk: Chunk
    score: float
    title: str = ""


class Support(BaseModel):
    """One article that carries a passage."""

    doc_id: str
    title: str = ""
    quote: str
    start: int
    end: int


class Passage(BaseModel):
    """A numbered source shown to the model: one sentence (or a few adjacent ones)."""

    n: int
    text: str
    score: float
    supports: list[Support] = Field(description="Every article carrying this passage; first is primary.")

    @property
    def doc_ids(self) -> list[str]:
        return [s.doc_id for s in self.supports]


class Citation(BaseModel):
    n: int
    doc_id: str
    title: str
    quote: str
    start: int
    end: int
    doc_ids: list[str] = Field(description="All articles that state the quoted passage.")
    supports: list[Support] = Field(default_factory=list)
    outlets: list[str] = Field(
        default_factory=list,
        description="Who carries the quoted sentence, one entry per outlet in the order of doc_ids; "
        "an article whose outlet is not known is named by its title.",
    )
    date: str = Field("", description="The cited article's date (YYYY-MM-DD), if it gives one.")


class SentenceCheck(BaseModel):
    sentence: str
    cites: list[int]
    supported: bool
    score: float = Field(description="Share of the sentence's content words found in its cited sources.")
    repaired_from: list[int] = Field(
        default_factory=list, description="Citation numbers the model wrote, when they were re-pointed."
    )


class Timings(BaseModel):
    rewrite_s: float = 0.0
    retrieval_s: float = 0.0
    first_token_s: float = 0.0
    generation_s: float = Field(
        0.0, description="From the prompt to the checked answer, verification included."
    )
    verify_s: float = Field(0.0, description="The model's yes/no check of the answer.")
    total_s: float = 0.0


Retry = Literal["restated", "unsure"]  # why a question was asked a second time


class Attempt(BaseModel):
    """One reply of the model to the question, as the checks saw it."""

    raw_answer: str
    brief: bool = Field(description="Asked under the brief instructions (a bare name is an answer).")
    tokens: list[str] = Field(
        default_factory=list, description="The reply's tokens (llama.cpp, or logprobs)."
    )
    token_probs: list[float] = Field(
        default_factory=list, description="Each token's probability, then the stop."
    )
    first_top: list[tuple[str, float]] = Field(
        default_factory=list, description="The likeliest first tokens of the reply, with their probabilities."
    )
    confidence: float | None = Field(None, description="The calibrated confidence of this reply's answer.")
    withheld_by: str | None = Field(
        None, description="The check that withheld this reply's answer, if one did."
    )
    flags: list[str] = Field(
        default_factory=list, description="Every check that fired on this reply's answer."
    )


class Answer(BaseModel):
    question: str
    standalone_question: str
    answer: str
    abstained: bool
    raw_answer: str = Field("", description="The model's text before the citation check.")
    citations: list[Citation] = Field(default_factory=list)
    sentences: list[SentenceCheck] = Field(default_factory=list)
    unsupported: list[str] = Field(
        default_factory=list, description="Answer sentences their cited passages do not support."
    )
    withheld_by: str | None = Field(
        None,
        description="What turned the model's answer into an abstention, if anything did: a check's "
        "name (rag/answer/checks.py), or 'confidence' when it was below the threshold.",
    )
    confidence: float | None = Field(
        None,
        description="The calibrated probability that the answer is right (None: the model refused, or "
        "no sentence of its reply was stated by a passage).",
    )
    threshold: float | None = Field(
        None, description="The confidence an answer needed to be shown (for RAG_TARGET_PRECISION)."
    )
    flags: list[str] = Field(default_factory=list, description="Every check that fired on the answer.")
    features: dict[str, float | None] = Field(
        default_factory=dict, description="The signals the confidence weighed (rag/answer/features.py)."
    )
    missing_signals: list[str] = Field(
        default_factory=list,
        description="Signals the confidence could not use because the model backend did not give them "
        "(for example token probabilities from a server without logprobs).",
    )
    candidate: str = Field(
        "",
        description="The checked answer that was weighed, shown or not (empty: there was none). "
        "For evaluation: a withheld candidate is never shown to the reader.",
    )
    evidence: list[Citation] = Field(
        default_factory=list,
        description="When the answer is withheld: the closest passages, with their citations, for the "
        "reader to look at. They are not an answer.",
    )
    verified: float | None = Field(
        None, description="The model's probability that the cited sources state this answer (None: not run)."
    )
    tokens: list[str] = Field(
        default_factory=list, description="The text of each token of the raw answer (llama.cpp only)."
    )
    token_probs: list[float] = Field(
        default_factory=list,
        description="The probability of each of those tokens, then the stop: what confidence reads.",
    )
    attempts: list[Attempt] = Field(
        default_factory=list,
        description="The model's replies in order: one, or two when the first was asked again "
        "under the other instructions (see retry).",
    )
    retry: Retry | None = Field(
        None,
        description="Why the question was asked a second time: the first reply only restated it, "
        "or the model was unsure of it. None: asked once.",
    )
    retrieved: list[str] = Field(default_factory=list, description="Article ids in rank order.")
    passages: list[Passage] = Field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated: list[str] = Field(
        default_factory=list,
        description="The token counts above that are estimates, not the model server's count "
        "('prompt_tokens', 'completion_tokens'): an OpenAI-compatible server that reports no usage.",
    )
    timings: Timings = Field(default_factory=Timings)


R = TypeVar("R")


class TextStream(Generic[R]):
    """Text as it is written, then a result: iterate for the pieces, read ``result`` after.

    One object instead of a stream of ``str | result`` that every consumer would branch on
    (simonw/llm's ``Response``). Reading ``result`` early drains the rest of the text.
    ``close`` stops the writer (a generator's ``finally`` runs: a gate frees its slot).
    """

    def __init__(self, pieces: Generator[str, None, R]) -> None:
        self._pieces = pieces
        self._done = False
        self._result: R | None = None

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self._done:
            raise StopIteration
        try:
            return next(self._pieces)
        except StopIteration as stop:
            self._done, self._result = True, stop.value
            raise StopIteration from None

    @property
    def result(self) -> R:
        for _ in self:
            pass
        if self._result is None:  # closed before the writer returned
            raise RuntimeError("the stream was closed before it finished")
        return self._result

    def close(self) -> None:
        self._pieces.close()


class AnswerStream(TextStream[Answer]):
    """A streamed answer: the model's unchecked text as it is written, then the checked answer."""

    @property
    def answer(self) -> Answer:
        return self.result
