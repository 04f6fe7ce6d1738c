"""One typed settings object for the whole product.

Every field has an embedded default; any of them can be overridden by an
environment variable named ``RAG_<FIELD>`` (for example ``RAG_TOP_K=8``) or
by keyword arguments to :class:`Settings`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from rag import paths


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore")

    # --- storage ---------------------------------------------------------
    data_dir: Path = Field(
        default_factory=paths.default_data_dir,
        description="Where the Chroma index, the lexical index and uploaded articles live.",
    )
    lexical_dir: Path | None = Field(
        None,
        description="Where this process keeps its SQLite lexical index; empty means DATA_DIR/lexical. "
        "Machines sharing a Chroma server each keep their own.",
    )
    collection: str = Field("articles", description="Chroma collection name for chunks.")
    vector_store: Literal["chroma", "chroma_http"] = Field(
        "chroma", description="Embedded Chroma ('chroma') or a Chroma server ('chroma_http')."
    )
    chroma_host: str = Field("127.0.0.1", description="Chroma server host (vector_store=chroma_http).")
    chroma_port: int = Field(8000, description="Chroma server port (vector_store=chroma_http).")

    # --- ingestion -------------------------------------------------------
    chunk_chars: int = Field(600, ge=100, description="Soft upper bound on a chunk's length in characters.")
    max_file_bytes: int = Field(5_000_000, ge=1, description="Articles larger than this are refused (bytes).")
    embed_batch_size: int = Field(32, ge=1, description="Chunks embedded per sentence-transformers batch.")
    write_batch: int = Field(
        2000, ge=1, description="Chunks written to Chroma per call while ingesting (many articles a call)."
    )

    # --- embeddings ------------------------------------------------------
    embedding_model: str | None = Field(
        None,
        description="Path of a sentence-transformers model; empty means the packaged all-MiniLM-L6-v2.",
    )

    # --- retrieval -------------------------------------------------------
    top_k: int = Field(8, ge=1, le=50, description="Chunks kept after hybrid fusion.")
    candidates: int = Field(20, ge=1, description="Candidates taken from each of BM25 and the vector index.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal-rank-fusion constant.")
    keep_first: int = Field(
        1,
        ge=0,
        description="Each of BM25 and the vector index keeps its best this many chunks after fusion, "
        "however low the other ranks them (0: plain reciprocal-rank fusion).",
    )
    context_tokens: int = Field(220, ge=32, description="Token budget for the passages sent to the model.")
    max_passages: int = Field(6, ge=1, le=20, description="At most this many numbered sources in a prompt.")
    dedup_jaccard: float = Field(
        0.6, ge=0, le=1, description="Word-set overlap above which two sentences count as one passage."
    )
    spread_articles: int = Field(
        3,
        ge=0,
        le=20,
        description="The best passage of each of this many top articles goes in before the rest by score.",
    )
    min_relevance: float = Field(
        0.2,
        description="Best sentence relevance below this abstains without calling the model; an answer "
        "whose cited sentences all score below it is withheld.",
    )

    # --- generation ------------------------------------------------------
    llm_backend: Literal["llamacpp", "openai"] = Field(
        "llamacpp", description="Local GGUF through llama-cpp-python, or an OpenAI-compatible server."
    )
    model_path: Path | None = Field(
        None, description="A GGUF file to use instead of the packaged Qwen2.5-Coder-1.5B model."
    )
    model_dir: Path = Field(
        default_factory=paths.default_model_dir,
        description="Where the packaged GGUF is assembled from its part packages.",
    )
    n_ctx: int = Field(2048, ge=256, description="llama.cpp context length in tokens.")
    n_threads: int | None = Field(None, description="llama.cpp threads; empty means one per core.")
    n_batch: int = Field(512, ge=8, description="llama.cpp prompt batch size.")
    max_tokens: int = Field(160, ge=8, description="Upper bound on tokens generated per answer.")
    brief_answer_words: int = Field(
        25,
        ge=1,
        description="Questions of this many words or more are asked under instructions that accept a "
        "bare name, place, date or number: the 1.5B model restates a long question instead of answering it.",
    )
    openai_base_url: str = Field(
        "http://127.0.0.1:8080/v1", description="Base URL of an OpenAI-compatible server."
    )
    openai_model: str = Field("local", description="Model name sent to the OpenAI-compatible server.")
    openai_api_key: str = Field("not-needed", description="API key for the OpenAI-compatible server.")

    # --- answering -------------------------------------------------------
    max_question_chars: int = Field(1000, ge=10, description="Longer questions are refused.")
    support_threshold: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Word share a sentence naming no name, number or date needs with its source.",
    )
    min_confidence: float = Field(
        0.2,
        ge=0,
        le=1,
        description="A withheld answer with a token the model wrote with a lower probability is asked "
        "again under the other instructions (see retry_answers).",
    )
    target_precision: float = Field(
        0.95,
        ge=0,
        le=1,
        description="The share of shown answers that should be right: answers are shown only at a "
        "calibrated confidence that reached this precision on corpora it was not fitted on.",
    )
    answer_threshold: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Show answers whose confidence is at least this, instead of the threshold for "
        "target_precision (0 shows every answer that passes the vetoes).",
    )
    calibration_path: Path | None = Field(
        None,
        description="A calibration file (JSON, from python -m eval calibrate); empty means the packaged "
        "rag/answer/calibration.json.",
    )
    disabled_checks: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Answer checks to switch off, by name, comma-separated (python -m rag checks lists "
        "them), e.g. 'off topic,answer kind'.",
    )
    evidence_passages: int = Field(
        3, ge=0, le=20, description="Closest passages shown, as evidence only, under an abstention."
    )
    retry_answers: bool = Field(
        True,
        description="Ask again under the other instructions (brief or not) when the answer only "
        "restates the question, or when the model was unsure of it; an unsure answer is then shown "
        "only if both replies name the same thing.",
    )
    verify_answers: bool = Field(
        False, description="Ask the model whether its cited sources state the answer; withhold it if not."
    )
    verify_threshold: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Answers whose P(yes) from the model's own check is below this are withheld.",
    )
    rewrite_followups: bool = Field(True, description="Rewrite follow-up questions using chat history.")

    # --- server ----------------------------------------------------------
    host: str = Field(
        "127.0.0.1",
        description="Address the web server binds to; anything but loopback requires api_key and auth.",
    )
    port: int = Field(7860, description="Port of the web server.")
    api_key: str | None = Field(
        None, description="Bearer key the HTTP API requires (mandatory when host is not loopback)."
    )
    auth: str | None = Field(
        None, description="Web UI logins as 'user:password,user2:password2' (mandatory off loopback)."
    )
    max_queue: int = Field(
        16, ge=1, description="Questions waiting for the model beyond this get HTTP 503 with Retry-After."
    )
    max_upload_bytes: int = Field(2_000_000, ge=1, description="Largest article accepted by upload (bytes).")
    max_upload_files: int = Field(20, ge=1, description="Most files accepted in one upload.")

    @field_validator("disabled_checks", mode="before")
    @classmethod
    def _names(cls, value: object) -> object:
        """'a, b' (an environment variable or --set) as ['a', 'b'].

        Whether each names a check is for the answer layer, which lists them
        (rag.answer.checks.disabled_checks, called by the factory at start-up): settings sit
        below it and must not import it.
        """
        return [n.strip() for n in value.split(",") if n.strip()] if isinstance(value, str) else value

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def lexical_path(self) -> Path:
        return self.lexical_dir or self.data_dir / "lexical"
