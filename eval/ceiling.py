"""python -m eval.ceiling: what the model and the answer checks reach when retrieval is perfect.

The product runs as in ``python -m eval``, with one change: after passage selection, every
gold fact the passages lack is added as one more passage, the sentence of a gold source
article that states it. What is still wrong or withheld is then the generator's or the
checks' doing, not retrieval's, so the figures bound what any retrieval or context change
can buy on a corpus:

    python -m eval.ceiling --gold eval/gold.jsonl --out runs/seeds-ceiling
    python -m eval.ceiling --gold ../shared/benchmarks/multihop-dev/gold.jsonl \\
        --corpus ../shared/benchmarks/multihop-dev/articles --out runs/mh-ceiling

It needs the model and takes as long as an eval run. Its output is an eval run's
(``predictions.jsonl``, ``metrics.json``, ``report.md``), so ``eval.compare`` reads it.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path

from eval import metrics as m
from eval.cli import print_summary
from eval.gold import GoldError, GoldItem, load_gold
from eval.runner import (
    ROOT,
    EvalError,
    make_settings,
    open_rag,
    parse_overrides,
    prepare_out,
    run_items,
    run_record,
    warm_up,
    write_outputs,
)
from eval.scoring import aggregate
from rag.errors import RagError
from rag.service import AskOptions
from rag.types import Passage, Support

Sentences = dict[str, list[Support]]  # doc id -> its sentences, with their place in the article


def article_sentences(store) -> Sentences:  # noqa: ANN001 - rag.components.store.VectorStore
    """Every sentence of each article's current version, with the file offsets a citation
    card shows (chunks of versions a killed ingest left behind are skipped)."""
    current = {doc_id: meta.version for doc_id, meta in store.articles().items()}
    found: Sentences = {}
    for chunk, version in store.iter_chunks():
        if version != current.get(chunk.doc_id):
            continue
        found.setdefault(chunk.doc_id, []).extend(
            Support(doc_id=chunk.doc_id, quote=s.text, start=s.start, end=s.end) for s in chunk.sentences
        )
    return found


def with_gold_facts(passages: list[Passage], item: GoldItem, sentences: Sentences) -> list[Passage]:
    """``passages`` plus, for each gold fact none of them states, the first sentence of a gold
    source article that does (numbered after the others, scored as the weakest passage)."""
    added: list[Passage] = []
    floor = min((p.score for p in passages), default=0.0)
    for aliases in item.answers:
        if any(m.match_fact(p.text, aliases) for p in passages + added):
            continue
        stating = (s for d in item.sources for s in sentences.get(d, []) if m.match_fact(s.quote, aliases))
        support = next(stating, None)
        if support is not None:
            n = len(passages) + len(added) + 1
            added.append(Passage(n=n, text=support.quote, score=floor, supports=[support]))
    return passages + added


def run(rag, items: list[GoldItem], out: Path, progress: bool = True) -> tuple[list[dict], int]:  # noqa: ANN001 - Rag
    """Every item answered with its missing facts added, each row written to ``out`` as it
    completes; returns the rows and how many questions got a passage added."""
    sentences = article_sentences(rag.store)
    helped: set[str] = set()

    def options(item: GoldItem) -> AskOptions:
        def perfect(passages: list[Passage]) -> list[Passage]:
            more = with_gold_facts(passages, item, sentences)
            if len(more) > len(passages):
                helped.add(item.id)
            return more

        # The service's own retrieval and selection run first, so only the missing facts differ.
        return AskOptions(more_passages=perfect)

    rows = run_items(rag, items, progress, "Ceiling", out / "predictions.jsonl", options=options)
    return rows, len(helped)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.ceiling", description=__doc__.splitlines()[0])
    p.add_argument("--gold", type=Path, default=ROOT / "eval" / "gold.jsonl")
    p.add_argument("--corpus", type=Path, default=ROOT / "seeds")
    p.add_argument("--out", type=Path, required=True, help="folder for the run's outputs")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--quiet", action="store_true", help="no progress")
    args = p.parse_args(argv)
    try:
        items = load_gold(args.gold)
        overrides = parse_overrides(args.sets)
        prepare_out(args.out)
        started, t0 = datetime.now().isoformat(timespec="seconds"), time.perf_counter()
        rag = open_rag(make_settings(overrides), args.corpus)
        warmup_s = warm_up(rag, items[0])
        rows, helped = run(rag, items, args.out, progress=not args.quiet)
    except (GoldError, EvalError, RagError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    metrics = aggregate(rows)
    metrics["run"] = run_record(args.gold, rows, overrides, args.corpus, rag, started, t0, warmup_s)
    metrics["run"]["ceiling_questions_given_facts"] = helped
    write_outputs(args.out, rows, metrics)
    print(f"\n{helped} of {len(rows)} questions had a missing gold fact added to their passages.")
    print_summary(metrics, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
