"""Command line: ``python -m rag ingest|ask|chat|model``. A thin shell over the services."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from rag.answer.corroboration import reported_by
from rag.errors import RagError
from rag.retrieval.filters import Filters
from rag.settings import Settings
from rag.types import Answer, AnswerStream, Turn

if TYPE_CHECKING:  # rag.service loads the answering stack; `python -m rag settings` needs none of it
    from rag.service import AskOptions, RagService


def _filter_args() -> argparse.ArgumentParser:
    """The filter flags ``ask`` and ``chat`` share (rag/retrieval/filters.py)."""
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("filters (answer only from these articles)")
    g.add_argument("--source", action="append", default=[], metavar="NAME", help="outlet (repeatable)")
    g.add_argument("--since", metavar="YYYY-MM-DD", help="articles dated on or after this day")
    g.add_argument("--until", metavar="YYYY-MM-DD", help="articles dated on or before this day")
    g.add_argument("--article", action="append", default=[], metavar="DOC_ID", help="article id (repeatable)")
    return p


def filters_from(args: argparse.Namespace) -> Filters | None:
    """The filter the flags ask for (None: none); a malformed date is a BadQuestion here."""
    filters = Filters(sources=args.source, since=args.since, until=args.until, articles=args.article)
    return None if filters.is_empty() else filters


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m rag", description=__doc__)
    p.add_argument("--debug", action="store_true", help="show the full traceback of an unexpected error")
    sub = p.add_subparsers(dest="cmd", required=True)
    ing = sub.add_parser("ingest", help="index a folder (or file) of .txt/.md/.html/.pdf/.docx articles")
    ing.add_argument("path", nargs="?", default="seeds", help="folder or file (default: seeds)")
    ing.add_argument("--rebuild", action="store_true", help="drop the index and rebuild it")
    filters = _filter_args()
    ask = sub.add_parser("ask", help="answer one question", parents=[filters])
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the full result as JSON")
    sub.add_parser("chat", help="interactive chat in the terminal", parents=[filters])
    sub.add_parser("model", help="assemble and verify the packaged model file")
    sub.add_parser("settings", help="print every setting as a Markdown table")
    sub.add_parser("checks", help="list the answer checks and the confidence that decides")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        return _run(args, Settings())
    except RagError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except ValidationError as err:  # a RAG_* variable with a value of the wrong type
        problems = "; ".join(f"RAG_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in err.errors())
        print(f"error: invalid setting: {problems}", file=sys.stderr)
        return 2
    except OSError as err:  # a folder or file that cannot be read or written
        print(f"error: {err}", file=sys.stderr)
        return 2
    except Exception as err:
        # Users get one line, never a traceback; --debug shows it for a bug report.
        if args.debug:
            raise
        print(
            f"error: unexpected {type(err).__name__}: {err} (a bug: rerun with --debug and report it)",
            file=sys.stderr,
        )
        return 1


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.cmd == "settings":
        print(settings_table())
        return 0
    if args.cmd == "checks":
        print(checks_table(settings))
        return 0
    if args.cmd == "model":
        from rag.components.llm import resolve_model_path

        print(resolve_model_path(settings, progress=True))
        return 0
    from rag.factory import build
    from rag.service import AskOptions

    # Checked before anything is opened: a malformed date needs no index to be refused.
    options = AskOptions(filters=filters_from(args) if args.cmd in ("ask", "chat") else None)
    if args.cmd == "ingest" and args.rebuild:
        from rag.components.store import reset_store

        reset_store(settings)
    rag = build(settings)
    if args.cmd == "ingest":
        report = rag.ingestor.ingest_path(Path(args.path), progress=True)
        print(report.summary())
        return 0
    if args.cmd == "ask":
        return _ask(rag.service, args.question, options, as_json=args.json)
    return _chat(rag.service, options)


def _ask(service: RagService, question: str, options: AskOptions, as_json: bool) -> int:
    if as_json:
        print(service.ask(question, options=options).model_dump_json(indent=2))
        return 0
    _print_stream(service.stream(question, options=options))
    return 0


def _print_stream(stream: AnswerStream) -> Answer:
    """Print the checked answer; on a terminal, the model's unchecked draft streams first, dimmed.

    The draft is what the model wrote before the checks: it may be withheld or repaired,
    so it is never the last word on screen.
    """
    draft = sys.stdout.isatty()
    for piece in stream:
        if draft:
            print(f"\033[2m{piece}\033[0m", end="", flush=True)
    result = stream.answer
    if draft:
        print()
    print(result.answer)
    if result.abstained:
        # The closest passages, for the reader to look at: labelled, since they answer nothing.
        for c in result.evidence:
            print(f"  closest passage, not an answer: {c.doc_id} @{c.start}-{c.end}: {c.quote}")
        return result
    for c in result.citations:
        # Who else carries the sentence, as the page's source card says it.
        others = f" (also {', '.join(c.doc_ids[1:])}; {reported_by(c.outlets)})" if len(c.doc_ids) > 1 else ""
        dated = f" {c.date}" if c.date else ""
        print(f"  [{c.n}] {c.doc_id}{dated}{others} @{c.start}-{c.end}: {c.quote}")
    for sentence in result.unsupported:
        print(f"  left out (not supported by its sources): {sentence}")
    t = result.timings
    sure = f", confidence {result.confidence:.2f}" if result.confidence is not None else ""
    print(
        f"  ({t.total_s:.1f}s: retrieval {t.retrieval_s:.2f}s, generation {t.generation_s:.1f}s, "
        f"{result.prompt_tokens} prompt tokens{sure})"
    )
    return result


def _chat(service: RagService, options: AskOptions) -> int:
    history: list[Turn] = []
    print("Ask about the articles. Empty line or Ctrl-D to quit.")
    if options.filters:
        print(f"Answering only from articles {options.filters.describe()}.")
    while True:
        try:
            question = input("> ").strip()
        except EOFError:
            return 0
        if not question:
            return 0
        try:
            result = _print_stream(service.stream(question, history, options))
        except RagError as err:
            print(f"error: {err}")
            continue
        history += [Turn(role="user", content=question), Turn(role="assistant", content=result.answer)]


def checks_table(settings: Settings) -> str:
    """Every answer check (name, veto or signal, what it tests), then each confidence model."""
    from rag.answer import confidence
    from rag.answer.checks import CHECKS, disabled_checks

    off = disabled_checks(settings.disabled_checks)
    rows = ["| check | kind | tests |", "| --- | --- | --- |"]
    for c in CHECKS:
        kind = "off" if c.name in off else ("veto" if c.veto else "signal")
        rows.append(f"| {c.name} | {kind} | {' '.join((type(c).__doc__ or '').split())} |")
    cal = confidence.load(settings.calibration_path)
    rows += ["", f"Confidence ({cal.source}), target answer precision {settings.target_precision:g}:"]
    for model in cal.models:
        at = settings.answer_threshold
        at = model.threshold(settings.target_precision) if at is None else at
        rows.append(f"- {model.name}: {', '.join(model.features)}; shows answers at {at:.3f} or more")
    return "\n".join(rows)


def settings_table() -> str:
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    for name, field in Settings.model_fields.items():
        default = field.default if field.default_factory is None else field.default_factory()
        default = str(default).replace(str(Path.home()), "~")
        rows.append(f"| `RAG_{name.upper()}` | `{default}` | {field.description} |")
    return "\n".join(rows)
