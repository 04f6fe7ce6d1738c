"""python -m bench: measure every stage on this machine, print a table, write JSON.

Sections: latency (with the overhead replay), tutorial (the LlamaIndex baseline, same
questions), ingest, storage (model-free: on-disk indexes, restart, ingest rate), lexical
(model-free: the BM25 query alone at a large size), scale,
coldstart; opt-in: budget (recall vs context_tokens) and
tune (llama.cpp threads and batch). See docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import GOLD, SEEDS, Clock, Question, RecordingLLM, load_questions, machine

SECTIONS = ("latency", "tutorial", "ingest", "storage", "lexical", "scale", "coldstart")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--gold", type=Path, default=GOLD, help="gold questions (eval/gold.jsonl)")
    p.add_argument("--limit", type=int, help="first N gold questions only")
    p.add_argument("--stride", type=int, default=1, help="every Nth gold question (a spread-out sample)")
    p.add_argument("--offset", type=int, default=0, help="with --stride: start at this question")
    p.add_argument(
        "--tutorial-limit", type=int, default=20, help="questions for the tutorial pipeline (spread out)"
    )
    p.add_argument("--skip-tutorial", action="store_true")
    p.add_argument("--only", help=f"comma-separated sections out of {','.join(SECTIONS)},budget,tune")
    p.add_argument("--scale-chunks", type=int, default=100_000)
    p.add_argument("--storage-chunks", type=int, default=20_000, help="corpus size for 'storage'")
    p.add_argument("--lexical-chunks", type=int, default=100_000, help="index size for 'lexical'")
    p.add_argument("--max-embed-min", type=float, default=15.0, help="beyond this, random vectors at scale")
    p.add_argument("--budgets", default="120,180,220,300,450", help="context_tokens values for 'budget'")
    p.add_argument("--work", type=Path, default=Path("/tmp/newsrag-bench"), help="scratch directory")
    p.add_argument("--out", type=Path, default=Path("bench-results.json"))
    return p


def sections(args: argparse.Namespace) -> list[str]:
    if args.only:
        return [s.strip() for s in args.only.split(",") if s.strip()]
    return [s for s in SECTIONS if not (s == "tutorial" and args.skip_tutorial)]


def seeded_rag(work: Path, settings=None):  # noqa: ANN001, ANN201
    """A fresh real index of seeds/ and a recording wrapper around the real model."""
    from rag.components.llm import open_llm
    from rag.factory import build
    from rag.settings import Settings

    settings = settings or Settings(data_dir=work / "seeds-data")
    if settings.data_dir.exists():
        shutil.rmtree(settings.data_dir)
    recorder = RecordingLLM(open_llm(settings))
    rag = build(settings, llm=recorder)
    rag.ingestor.ingest_path(SEEDS)
    recorder.load()
    return rag, recorder


def answer_sections(args: argparse.Namespace, todo: list[str], results: dict[str, Any], log) -> None:  # noqa: ANN001
    from bench import latency, tutorial

    questions = load_questions(args.gold, args.limit, args.stride, args.offset)
    rag, recorder = seeded_rag(args.work)
    llm = recorder.inner
    raw = None
    if "latency" in todo:
        from bench.overhead import RawLlama

        raw = RawLlama(llm.model_path, llm.kwargs)
    tut = None
    if "tutorial" in todo:
        tut = tutorial.TutorialPipeline(SEEDS, llm.model_path, llm.kwargs, rag.settings.max_tokens)
    # Warm-up, not counted: every pipeline pays its fixed instructions once per process. The
    # question is not a gold one, so no measured prompt is already in a cache.
    warm = Question("warm-up", "What happened at the border in December?")
    row = latency.measure(rag.service, recorder, warm)
    if raw and row["_final"] is not None:
        raw.replay(llm.prompt_tokens(row["_final"].messages), 4)
    if tut:
        tut.ask(warm)
    ours, base = [], []
    # The tutorial runs on an evenly spread sample, so every category (the unanswerable
    # questions come last in the gold file) is in it.
    sample = spread(len(questions), args.tutorial_limit)
    for i, q in enumerate(questions, 1):
        row = latency.run_one(
            rag.service, recorder, q, raw.replay if raw else None, lambda c: llm.prompt_tokens(c.messages)
        )
        ours.append(row)
        log(f"  [{i}/{len(questions)}] ours {latency.describe(row)}")
        if tut and i - 1 in sample:
            t = tut.ask(q)
            base.append(t)
            log(f"        tutorial {t['total_s']:.1f}s, recall {t['recall']}: {t['answer'][:80]!r}")
    if "latency" in todo:
        results["latency"] = {"summary": latency.summarize(ours), "rows": ours}
    if tut:
        results["tutorial"] = compare(ours, base, tut.build_s)


def spread(n: int, k: int) -> set[int]:
    """``k`` indices spread evenly over ``range(n)`` (all of them when k >= n)."""
    if k >= n:
        return set(range(n))
    return {int(i * n / k) for i in range(k)}


def compare(ours: list[dict], base: list[dict], build_s: float) -> dict[str, Any]:
    from bench.common import stats
    from bench.latency import accuracy

    ids = {r["id"] for r in base}
    mine = [r for r in ours if r["id"] in ids]

    def summary(rows: list[dict]) -> dict[str, Any]:
        return {
            "n": len(rows),
            "total_s": stats([r["total_s"] for r in rows]),
            "first_token_s": stats([r["first_token_s"] for r in rows]),
            "prompt_tokens": stats([r["prompt_tokens"] for r in rows]),
            **accuracy(rows),
        }

    a, b = summary(mine), summary(base)
    return {
        "ours": a,
        "tutorial": b,
        "speedup_p50": (b["total_s"]["p50"] / a["total_s"]["p50"]) if a["total_s"]["p50"] else None,
        "tutorial_index_build_s": build_s,
        "rows": base,
    }


def other_sections(args: argparse.Namespace, todo: list[str], results: dict[str, Any], log) -> None:  # noqa: ANN001
    if "ingest" in todo:
        from bench import ingest

        log("ingestion ...")
        results["ingest"] = ingest.run(args.work)
    if "storage" in todo:
        from bench import storage

        log(f"storage at {args.storage_chunks} chunks ...")
        results["storage"] = storage.run(args.work / "scale", args.storage_chunks, log=log)
    if "lexical" in todo:
        from bench import lexical

        log(f"lexical search at {args.lexical_chunks} chunks ...")
        results["lexical"] = lexical.run(args.work / "scale", args.lexical_chunks, log=log)
    if "scale" in todo:
        from bench import scale

        log(f"retrieval at {args.scale_chunks} chunks ...")
        results["scale"] = scale.run(args.work / "scale", args.scale_chunks, args.max_embed_min * 60, log=log)
    if "coldstart" in todo:
        from bench import coldstart

        log("cold start ...")
        data = args.work / "coldstart-data"
        if not (data / "chroma").exists():
            from rag.factory import build
            from rag.settings import Settings

            build(Settings(data_dir=data)).ingestor.ingest_path(SEEDS)
        q = "How many migrants did CBP detain in November?"
        results["coldstart"] = {"cli": coldstart.cli(data, q), "breakdown": coldstart.breakdown(data, q)}


def tuning_sections(args: argparse.Namespace, todo: list[str], results: dict[str, Any], log) -> None:  # noqa: ANN001
    if "budget" in todo:
        from bench import budget

        rag, recorder = seeded_rag(args.work)
        questions = load_questions(args.gold, args.limit, args.stride, args.offset)
        budgets = [int(b) for b in args.budgets.split(",")]
        rows = budget.run(rag.service, recorder, questions, budgets, progress=log)
        results["budget"] = {"results": rows, "pick": budget.pick(rows)}
    if "tune" in todo:
        from bench import tune
        from rag.components.llm import open_llm
        from rag.settings import Settings

        settings = Settings()
        llm = open_llm(settings)
        llm.load()
        results["tune"] = tune.run(llm, settings.n_ctx, progress=log)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    todo = sections(args)
    args.work.mkdir(parents=True, exist_ok=True)

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    from rag.settings import Settings

    s = Settings()
    results: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": machine(),
        "settings": {
            k: getattr(s, k) for k in ("n_threads", "n_batch", "n_ctx", "context_tokens", "max_tokens")
        },
        "sections": todo,
    }
    with Clock() as c:
        if {"latency", "tutorial"} & set(todo):
            answer_sections(args, todo, results, log)
        other_sections(args, todo, results, log)
        tuning_sections(args, todo, results, log)
    results["wall_s"] = c.s
    results["machine"]["loadavg_end"] = [round(x, 2) for x in __import__("os").getloadavg()]
    args.out.write_text(json.dumps(results, indent=1, default=str))
    from bench.report import render

    print(render(results))
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
