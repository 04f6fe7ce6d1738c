"""The baseline: the pipeline LlamaIndex's tutorials build, on the same model and embedder.

SimpleDirectoryReader -> VectorStoreIndex (default SentenceSplitter, in memory) ->
CitationQueryEngine(similarity_top_k=3, streaming); follow-up questions go through
CondenseQuestionChatEngine over that query engine, as the chat tutorial does. The
generator is llama_index's LlamaCPP on our GGUF with our threads and batch size and
llama_index's default context window (3900), temperature 0 and our answer-length cap; prompts are wrapped
in the GGUF's own ChatML template with Qwen's default system message. Embeddings are
HuggingFaceEmbedding on the packaged all-MiniLM-L6-v2.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from bench.common import Question, fact_recall
from rag.text.vocabulary import REFUSAL_PHRASES

QWEN_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."

# The tutorial prompt says "If none of the sources are helpful, you should indicate that";
# these are the ways this model phrases it under that prompt, besides every phrase our own
# check takes for a refusal (so the baseline is never scored as answering what we count refused).
_REFUSAL = re.compile(
    rf"{REFUSAL_PHRASES}|"
    r"\b(not (provide|mention|contain|specif|includ|state|give|say|found|available|possible)\w*"
    r"|no (information|mention|details?|data|sources?)|none of the (provided )?sources|cannot|can't|"
    r"unable to|don't know|do not know|doesn't (say|mention|provide|state)|"
    r"isn't (mentioned|stated|provided))\b",
    re.I,
)


def looks_like_refusal(answer: str) -> bool:
    return bool(_REFUSAL.search(answer)) or not answer.strip()


def chatml(messages: list[tuple[str, str]]) -> str:
    roles = [r for r, _ in messages]
    if "system" not in roles:
        messages = [("system", QWEN_SYSTEM), *messages]
    body = "".join(f"<|im_start|>{role}\n{text}<|im_end|>\n" for role, text in messages)
    return body + "<|im_start|>assistant\n"


class TutorialPipeline:
    def __init__(self, articles: Path, model_path: Path, llama_kwargs: dict, max_tokens: int) -> None:
        from llama_index.core import Settings, SimpleDirectoryReader, VectorStoreIndex
        from llama_index.core.constants import DEFAULT_CONTEXT_WINDOW
        from llama_index.core.query_engine import CitationQueryEngine
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding
        from llama_index.llms.llama_cpp import LlamaCPP

        from rag.components.embedder import packaged_model_path

        self.prompts: list[str] = []
        # The tutorial's own context window (llama_index's default), so its three chunks fit
        # in one call; threads and batch are ours, so only the pipeline differs.
        kwargs = {k: v for k, v in llama_kwargs.items() if k != "n_ctx"}
        Settings.embed_model = HuggingFaceEmbedding(model_name=packaged_model_path(), device="cpu")
        Settings.llm = self.llm = LlamaCPP(
            model_path=str(model_path),
            temperature=0.0,
            max_new_tokens=max_tokens,
            context_window=DEFAULT_CONTEXT_WINDOW,
            model_kwargs={**kwargs, "seed": 0},
            messages_to_prompt=self._messages_to_prompt,
            completion_to_prompt=self._completion_to_prompt,
            verbose=False,
        )
        t0 = time.perf_counter()
        docs = SimpleDirectoryReader(str(articles)).load_data()
        self.index = VectorStoreIndex.from_documents(docs)
        self.build_s = time.perf_counter() - t0
        self.engine = CitationQueryEngine.from_args(self.index, similarity_top_k=3, streaming=True)

    def _completion_to_prompt(self, completion: str) -> str:
        prompt = chatml([("user", completion)])
        self.prompts.append(prompt)
        return prompt

    def _messages_to_prompt(self, messages) -> str:  # noqa: ANN001 - llama_index ChatMessages
        prompt = chatml([(m.role.value, m.content or "") for m in messages])
        self.prompts.append(prompt)
        return prompt

    def _stream(self, q: Question):  # noqa: ANN202
        if not q.history:
            return self.engine.query(q.question).response_gen
        from llama_index.core.chat_engine import CondenseQuestionChatEngine
        from llama_index.core.llms import ChatMessage

        history = [ChatMessage(role=t["role"], content=t["content"]) for t in q.history]
        chat = CondenseQuestionChatEngine.from_defaults(query_engine=self.engine, chat_history=history)
        return chat.stream_chat(q.question).response_gen

    def ask(self, q: Question) -> dict[str, Any]:
        self.prompts.clear()
        t0 = time.perf_counter()
        first, parts = None, []
        for piece in self._stream(q):
            if first is None:
                first = time.perf_counter() - t0
            parts.append(piece)
        total = time.perf_counter() - t0
        answer = "".join(parts).strip()
        model = self.llm._model  # noqa: SLF001 - the llama_cpp.Llama inside, for exact token counts
        tokens = [len(model.tokenize(p.encode(), add_bos=False, special=True)) for p in self.prompts]
        refused = looks_like_refusal(answer)
        return {
            "id": q.id,
            "answerable": q.answerable,
            "followup": bool(q.history),
            "answer": answer,
            "abstained": refused,
            "recall": fact_recall(answer, q.answers) if q.answerable else None,
            "total_s": total,
            "first_token_s": first if first is not None else total,
            "prompt_tokens": sum(tokens),
            "model_calls": len(tokens),
        }
