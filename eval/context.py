"""python -m eval.context: does the context the model sees hold the answer? No model needed.

For each gold question, retrieval and passage selection run exactly as in the
product; the figures say, per category, how often every required fact is in the
passages, how many of the question's source articles they come from, and what
they cost in prompt tokens. It takes seconds, so a selection setting can be tried
on both corpora before any answer is generated:

    python -m eval.context --gold eval/gold.jsonl --set context_tokens=300
    python -m eval.context --gold ../shared/benchmarks/multihop-dev/gold.jsonl \\
        --corpus ../shared/benchmarks/multihop-dev/articles --set spread_articles=3
    python -m eval.context --gold eval/gold.jsonl --questions-from runs/seeds   # follow-ups as rewritten
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

from eval import metrics as m
from eval.compare import load_run
from eval.gold import GoldError, GoldItem, load_gold
from eval.runner import ROOT, EvalError, make_settings, open_rag, parse_overrides
from rag.errors import RagError
from rag.retrieval.context import estimate_tokens


def context_row(service, item: GoldItem, question: str | None = None) -> dict:  # noqa: ANN001 - rag.service.RagService
    """One question's context figures: facts present, source articles present, tokens.

    ``question`` replaces the gold text: a follow-up ("How long did they meet?") is retrieved
    for as the product does, by the standalone question its rewrite gave.
    """
    _, passages = service.retrieve(question or item.question)
    texts = [p.text for p in passages]
    docs = {d for p in passages for d in p.doc_ids}
    facts = [any(m.match_fact(t, aliases) for t in texts) for aliases in item.answers]
    return {
        "category": item.category,
        "answerable": item.answerable,
        "all_facts": all(facts) if facts else None,
        "source_share": len(docs & set(item.sources)) / len(item.sources) if item.sources else None,
        "tokens": sum(estimate_tokens(t) + 3 for t in texts),
    }


def summarize(rows: list[dict]) -> dict[str, dict[str, float | None]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        groups[row["category"]].append(row)
        groups["overall"].append(row)
    return {
        name: {
            "n": len(group),
            "all_facts_in_context": m.mean(
                float(r["all_facts"]) for r in group if r["all_facts"] is not None
            ),
            "source_articles_in_context": m.mean(r["source_share"] for r in group),
            "tokens_mean": m.mean(r["tokens"] for r in group),
        }
        for name, group in sorted(groups.items())
    }


def standalone_questions(run: Path) -> dict[str, str]:
    """Each follow-up's standalone question as a finished eval run rewrote it (id -> question).

    The rewrite needs the model; a run already holds it, so this stays model-free.
    """
    _, rows = load_run(run)
    return {
        r["id"]: r["standalone_question"] for r in rows if r.get("history") and r.get("standalone_question")
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.context", description=__doc__.splitlines()[0])
    p.add_argument("--gold", type=Path, default=ROOT / "eval" / "gold.jsonl")
    p.add_argument("--corpus", type=Path, default=ROOT / "seeds")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument(
        "--questions-from",
        type=Path,
        metavar="RUN",
        help="an eval run whose rewritten follow-ups to use; without it, a follow-up is "
        "retrieved for by its own words, which the product never does",
    )
    args = p.parse_args(argv)
    try:
        items = load_gold(args.gold)
        standalone = standalone_questions(args.questions_from) if args.questions_from else {}
        rag = open_rag(make_settings(parse_overrides(args.sets)), args.corpus)
        table = summarize([context_row(rag.service, item, standalone.get(item.id)) for item in items])
    except (GoldError, EvalError, RagError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{'category':16} {'n':>3} {'facts in ctx':>12} {'sources in ctx':>14} {'tokens':>7}")
    for name, f in table.items():
        cells = [f["all_facts_in_context"], f["source_articles_in_context"]]
        shown = ["   n/a" if v is None else f"{v:6.3f}" for v in cells]
        print(f"{name:16} {f['n']:>3} {shown[0]:>12} {shown[1]:>14} {f['tokens_mean']:7.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
