"""Run gold questions through the real answering service, in-process.

The same call the UI makes (``build(Settings(**overrides)).service.ask``), so a
figure here is a figure of the product. The corpus is ingested into an index
of the eval's own (under ``<data_dir>/eval-index/``) keyed by everything that
shapes the index, so a run never measures a stale index built with other
chunking, and never mixes in articles a user uploaded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from eval import plots, report
from eval.gold import GoldItem
from eval.scoring import Row, aggregate, score_row
from rag.answer.checks import disabled_checks
from rag.errors import BadSetting, IndexMissing, ModelUnavailable, RagError
from rag.settings import Settings

if TYPE_CHECKING:
    from rag.service import AskOptions

ROOT = Path(__file__).resolve().parents[1]


class EvalError(Exception):
    """Bad eval input (settings, paths, thresholds); the message says what to fix."""


# Settings that change what is stored in the index: an override needs its own index.
INDEX_SHAPING = ("chunk_chars", "embedding_model")
# Settings the loaded generator / embedder depend on: a variant may reuse them only if these match.
LLM_SETTINGS = ("llm_backend", "model_path", "model_dir", "n_ctx", "n_threads", "n_batch") + tuple(
    f"openai_{k}" for k in ("base_url", "model", "api_key")
)
EMBEDDER_SETTINGS = ("embedding_model", "embed_batch_size")


def parse_overrides(pairs: list[str]) -> dict[str, str]:
    """``["top_k=4", ...]`` -> ``{"top_k": "4"}``; unknown setting names are refused by name."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().lower().removeprefix("rag_")
        if not sep or not key:
            raise EvalError(f"--set {pair!r}: expected KEY=VALUE, e.g. --set top_k=4")
        if key not in Settings.model_fields:
            raise EvalError(f"--set {pair!r}: no setting named {key!r} (see: python -m rag settings)")
        out[key] = value.strip()
    return out


def make_settings(overrides: dict[str, str]) -> Settings:
    try:
        settings = Settings(**overrides)
        disabled_checks(settings.disabled_checks)  # --disable 'of topic': refused before any run
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors())
        raise EvalError(f"invalid setting: {problems}") from None
    except BadSetting as err:
        raise EvalError(str(err)) from None
    return settings


def eval_index_dir(settings: Settings, corpus: Path) -> Path:
    shape = json.dumps([str(corpus.resolve())] + [str(getattr(settings, k)) for k in INDEX_SHAPING])
    return settings.data_dir / "eval-index" / hashlib.sha256(shape.encode()).hexdigest()[:12]


def open_rag(settings: Settings, corpus: Path | None, reuse=None):  # noqa: ANN001, ANN201 - rag.factory.Rag
    """Build the product for ``settings``; with a corpus, sync it into the eval's own index first.

    ``reuse`` is an earlier Rag whose loaded model and embedder are shared when
    the settings they depend on are the same (a compare run loads them once).
    """
    from rag.factory import build

    if corpus is not None:
        if not corpus.is_dir():
            raise EvalError(f"--corpus {corpus}: not a folder of articles")
        settings = settings.model_copy(update={"data_dir": eval_index_dir(settings, corpus)})
    llm = embedder = None
    if reuse is not None:
        llm = reuse.service.llm if _same(settings, reuse.settings, LLM_SETTINGS) else None
        embedder = reuse.ingestor.embedder if _same(settings, reuse.settings, EMBEDDER_SETTINGS) else None
    rag = build(settings, llm=llm, embedder=embedder)
    if corpus is not None:
        report = rag.ingestor.ingest_path(corpus, progress=True)
        if report.added or report.updated or report.removed:
            print(f"Synced {corpus} into {settings.data_dir}: {report.summary()}", file=sys.stderr)
        if not rag.store.articles():
            raise EvalError(f"--corpus {corpus}: no articles could be ingested ({report.summary()})")
    return rag


def _same(a: Settings, b: Settings, keys: tuple[str, ...]) -> bool:
    return all(getattr(a, k) == getattr(b, k) for k in keys)


def predict(rag, item: GoldItem, options: AskOptions | None = None) -> Row:  # noqa: ANN001 - rag.factory.Rag
    """Ask one gold question; a per-question failure is recorded in the row, not raised."""
    row: Row = {
        "id": item.id,
        "category": item.kind,
        "question": item.question,
        "history": [t.model_dump() for t in item.history],
        "answerable": item.answerable,
        "expected": item.answers,
        "sources": item.sources,
        "note": item.note,
        "error": None,
    }
    started = time.perf_counter()
    try:
        result = rag.service.ask(item.question, row["history"], options)
    except (IndexMissing, ModelUnavailable):
        raise  # nothing else can succeed either
    except RagError as err:
        row.update(_empty_answer(), error=str(err), latency_s=time.perf_counter() - started)
        return score_row(row)
    row.update(_answer_fields(result), latency_s=time.perf_counter() - started)
    return score_row(row)


def _empty_answer() -> dict[str, Any]:
    return dict(
        standalone_question="",
        answer="",
        raw_answer="",
        abstained=False,
        verified=None,
        confidence=None,
        threshold=None,
        flags=[],
        features={},
        missing_signals=[],
        candidate="",
        evidence=[],
        tokens=[],
        token_probs=[],
        withheld_by=None,
        attempts=[],
        retry=None,
        citations=[],
        retrieved=[],
        passages=[],
        sentences=[],
        unsupported=[],
        prompt_tokens=0,
        completion_tokens=0,
        estimated=[],
        timings={},
    )


def _answer_fields(result) -> dict[str, Any]:  # noqa: ANN001 - rag.types.Answer
    return dict(
        standalone_question=result.standalone_question,
        answer=result.answer,
        raw_answer=result.raw_answer,
        abstained=result.abstained,
        verified=result.verified,
        confidence=result.confidence,
        threshold=result.threshold,
        flags=result.flags,
        features=result.features,
        missing_signals=result.missing_signals,
        candidate=result.candidate,
        evidence=citation_fields(result.evidence),
        tokens=result.tokens,
        token_probs=[round(p, 4) for p in result.token_probs],
        withheld_by=result.withheld_by,
        attempts=[a.model_dump() for a in result.attempts],
        retry=result.retry,
        citations=citation_fields(result.citations),
        retrieved=result.retrieved,
        passages=[
            {"n": p.n, "doc_ids": p.doc_ids, "score": round(p.score, 4), "text": p.text}
            for p in result.passages
        ],
        sentences=sentence_fields(result.sentences),
        unsupported=result.unsupported,
        prompt_tokens=result.prompt_tokens,
        completion_tokens=result.completion_tokens,
        estimated=result.estimated,  # the counts above the backend could only estimate
        timings=result.timings.model_dump(),
    )


def citation_fields(citations) -> list[dict[str, Any]]:  # noqa: ANN001 - list[rag.types.Citation]
    return [
        {
            "n": c.n,
            "doc_id": c.doc_id,
            "doc_ids": c.doc_ids,
            "quote": c.quote,
            "quotes": [s.quote for s in c.supports[1:]],
        }
        for c in citations
    ]


def sentence_fields(sentences) -> list[dict[str, Any]]:  # noqa: ANN001 - list[rag.types.SentenceCheck]
    return [{"text": s.sentence, "cites": s.cites, "supported": s.supported} for s in sentences]


def warm_up(rag, item: GoldItem) -> float:  # noqa: ANN001 - rag.factory.Rag
    """Load the models and fill llama.cpp's prompt cache with one untimed question.

    Otherwise the first question's latency holds the model load (tens of seconds)
    and the latency figures describe start-up, not answering.
    """
    started = time.perf_counter()
    try:
        rag.service.ask(item.question)
    except (IndexMissing, ModelUnavailable):
        raise
    except RagError:
        pass  # the real run records this question's error
    return time.perf_counter() - started


def run_items(
    rag,  # noqa: ANN001 - rag.factory.Rag
    items: list[GoldItem],
    progress: bool = True,
    label: str = "Evaluating",
    sink: Path | None = None,
    options: Callable[[GoldItem], AskOptions] | None = None,
) -> list[Row]:
    """Answer every item; each row is also appended to ``sink`` as it completes, so an
    interrupted run keeps what it measured. ``options`` gives an item's request options
    (``eval.ceiling`` gives each question's gold facts to its passage selection)."""
    from tqdm import tqdm

    rows: list[Row] = []
    with contextlib.ExitStack() as stack:
        fh = stack.enter_context(sink.open("w", encoding="utf-8")) if sink else None
        bar = stack.enter_context(tqdm(items, desc=label, unit="q", disable=not progress))
        for item in bar:
            rows.append(predict(rag, item, options(item) if options else None))
            if fh:
                fh.write(json.dumps(rows[-1], ensure_ascii=False) + "\n")
                fh.flush()
            bar.set_postfix(correct=f"{sum(r['correct'] for r in rows)}/{len(rows)}")
    return rows


def evaluate(
    items: list[GoldItem],
    gold_path: Path,
    out: Path,
    overrides: dict[str, str],
    corpus: Path | None,
    progress: bool = True,
    label: str = "Evaluating",
    reuse=None,  # noqa: ANN001 - a Rag whose model may be shared
) -> tuple[Any, dict[str, Any]]:
    """Run ``items`` with ``overrides`` and write the outputs to ``out``; returns (rag, metrics)."""
    settings = make_settings(overrides)
    prepare_out(out)
    started, t0 = datetime.now().isoformat(timespec="seconds"), time.perf_counter()
    rag = open_rag(settings, corpus, reuse=reuse)
    warmup_s = warm_up(rag, items[0])
    rows = run_items(rag, items, progress=progress, label=label, sink=out / "predictions.jsonl")
    metrics = aggregate(rows)
    metrics["run"] = run_record(gold_path, rows, overrides, corpus, rag, started, t0, warmup_s)
    write_outputs(out, rows, metrics)
    return rag, metrics


def run_record(
    gold_path: Path,
    rows: list[Row],
    overrides: dict[str, str],
    corpus: Path | None,
    rag,  # noqa: ANN001 - rag.factory.Rag
    started: str,
    t0: float,
    warmup_s: float,
) -> dict[str, Any]:
    """What ``metrics.json`` says about how a run was made (the report's first line)."""
    return {
        "gold": str(gold_path),
        "n": len(rows),
        "settings": overrides,
        "started": started,
        "duration_s": round(time.perf_counter() - t0, 1),
        "warmup_s": round(warmup_s, 1),
        "commit": git_commit(),
        "corpus": str(corpus) if corpus else None,
        "index": str(rag.settings.data_dir),
    }


def prepare_out(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise EvalError(f"--out {out}: exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise EvalError(f"--out {out}: cannot create the folder ({err.strerror})") from None


def write_outputs(out: Path, rows: list[Row], metrics: dict[str, Any]) -> None:
    with (out / "predictions.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out / "metrics.json").write_text(
        json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    charts = plots.write_plots(metrics, rows, out)
    (out / "report.md").write_text(report.render(metrics, rows, charts), encoding="utf-8")


def git_commit() -> str | None:
    try:
        got = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return got.stdout.strip() or None
