"""Re-run the answer checks on a finished eval run, without the model.

    python -m eval.replay RUN_DIR --out NEW_DIR [--corpus DIR] [--set KEY=VALUE ...]

The model's raw answers, its confidence and the passages it saw are all in
``predictions.jsonl``; only what happens after generation (``RagService.review``)
is run again, with the current code and settings, and the run re-scored. A check
or threshold is thus tried on both corpora in seconds. Figures that depend on
generation (latency, tokens) are copied from the original run. Where the run asked a
question twice (``retry_answers``), both recorded replies are checked again; a run that
asked once has no second reply to show. The model check (``verify_answers``) needs the
model, so its verdicts are not replayed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Generator
from pathlib import Path
from typing import Any

from eval.cli import print_summary
from eval.runner import (
    ROOT,
    EvalError,
    citation_fields,
    make_settings,
    open_rag,
    parse_overrides,
    sentence_fields,
    write_outputs,
)
from eval.scoring import Row, aggregate, score_row
from rag.answer.prompt import is_brief
from rag.answer.review import ReviewRequest
from rag.types import Attempt, Passage, Support, TextStream


def passages_of(row: Row) -> list[Passage]:
    """The prompt's passages as the run recorded them (each article quoting the passage text)."""
    return [
        Passage(
            n=p["n"],
            text=p["text"],
            score=p["score"],
            supports=[Support(doc_id=d, quote=p["text"], start=0, end=0) for d in p["doc_ids"]],
        )
        for p in row.get("passages", [])
    ]


def replay_row(service, row: Row) -> Row:  # noqa: ANN001 - rag.service.RagService
    """``row`` with the checks run again on its raw answer; relevance-gate refusals and errors stay."""
    row = dict(row)
    raw = row.get("raw_answer") or ""
    if row.get("error") or not raw.strip():
        return score_row(row)
    question = row.get("standalone_question") or row["question"]
    # The replies in the order the run got them; a run from before attempts were recorded had one.
    replies = iter(
        [Attempt(**a) for a in row.get("attempts", [])]
        or [
            Attempt(
                raw_answer=raw,
                brief=is_brief(question, service.settings.brief_answer_words),
                tokens=row.get("tokens", []),
                token_probs=row.get("token_probs", []),
            )
        ]
    )

    def draft(brief: bool) -> Generator[str, None, Attempt | None]:  # the next recorded reply; no model
        # By order, not by wording: replayed with other settings (brief_answer_words), the
        # first reply is still the one the run's question got first, and no reply is missing.
        return next(replies, None)
        yield  # a generator, as the service's drafts are

    done = TextStream(service.settle(ReviewRequest(question, passages_of(row), draft))).result
    review, shown = done.review, done.shown
    checked = review.shown
    row.update(tokens=shown.tokens, token_probs=shown.token_probs)
    row.update(
        answer=checked.text,
        abstained=checked.abstained,
        raw_answer=shown.raw_answer,
        confidence=review.confidence,
        threshold=review.threshold,
        flags=[v.name for v in review.verdicts],
        features=review.features,
        missing_signals=review.missing,
        candidate=review.candidate.text if review.candidate else "",
        evidence=[] if not checked.abstained else row.get("evidence", []),
        withheld_by=review.withheld_by,
        attempts=[a.model_dump() for a in done.attempts],
        retry=done.retry,
        citations=citation_fields(checked.citations),
        sentences=sentence_fields(checked.sentences),
        unsupported=checked.unsupported,
    )
    return score_row(row)


def replay(run_dir: Path, out: Path, corpus: Path | None, overrides: dict[str, str]) -> dict[str, Any]:
    try:
        rows = [json.loads(line) for line in (run_dir / "predictions.jsonl").open(encoding="utf-8")]
        original = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise EvalError(f"{run_dir}: not a finished eval run ({err})") from None
    rag = open_rag(make_settings(overrides), corpus)  # the index gives the corpus vocabulary
    rag.service.snapshot.refresh()
    rows = [replay_row(rag.service, row) for row in rows]
    metrics = aggregate(rows)
    metrics["run"] = {**original.get("run", {}), "replayed_from": str(run_dir), "replay_settings": overrides}
    out.mkdir(parents=True, exist_ok=True)
    write_outputs(out, rows, metrics)
    return metrics


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.replay", description=__doc__.split("\n\n")[0])
    p.add_argument("run_dir", type=Path, help="a finished run folder (predictions.jsonl, metrics.json)")
    p.add_argument("--out", type=Path, required=True, help="folder for the replayed run")
    p.add_argument("--corpus", type=Path, default=ROOT / "seeds", help="the run's corpus (default seeds/)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument(
        "--disable",
        action="append",
        default=[],
        metavar="CHECK",
        help="switch a check off by name (repeatable), e.g. --disable 'off topic'",
    )
    args = p.parse_args(argv)
    try:
        overrides = parse_overrides(args.sets)
        if args.disable:
            overrides["disabled_checks"] = ",".join(args.disable)
        metrics = replay(args.run_dir, args.out, args.corpus, overrides)
    except EvalError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print_summary(metrics, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
