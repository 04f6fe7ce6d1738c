"""The printed table: the same figures as the JSON, for a person."""

from __future__ import annotations

from typing import Any


def _s(value: float | None, unit: str = "s", digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}{unit}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _row(label: str, *cells: str) -> str:
    return f"  {label:<34}" + "".join(f"{c:>12}" for c in cells)


def latency_lines(summary: dict[str, Any], title: str) -> list[str]:
    lines = [title, _row("", "p50", "p95")]
    for key, label in (
        ("total_s", "total"),
        ("first_token_s", "time to first token"),
        ("retrieval_s", "retrieval"),
        ("rewrite_s", "follow-up rewrite (follow-ups)"),
        ("prompt_eval_s", "prompt evaluation"),
        ("generation_s", "generation"),
        ("other_s", "other (checks, Python)"),
    ):
        st = summary.get(key) or {}
        lines.append(_row(label, _s(st.get("p50")), _s(st.get("p95"))))
    for key, label in (
        ("answer_prompt_tokens", "prompt tokens (answer call)"),
        ("evaluated_tokens", "  of which evaluated"),
        ("cached_tokens", "  of which reused from cache"),
        ("completion_tokens", "completion tokens"),
    ):
        st = summary.get(key) or {}
        lines.append(_row(label, _s(st.get("p50"), "", 0), _s(st.get("p95"), "", 0)))
    lines.append(
        _row(
            "recall / refused unanswerable",
            _s(summary.get("recall"), "", 3),
            _pct(summary.get("abstained_unanswerable")),
        )
    )
    over = summary.get("overhead")
    if over:
        lines.append(
            _row(
                "overhead vs llama.cpp alone",
                _s(over["per_question"]["p50"], "x"),
                _s(over["ratio_of_totals"], "x (sum)"),
            )
        )
        lines.append(_row("llama.cpp alone, same prompts", _s(over["raw_total_s"]["p50"]), ""))
    return lines


def tutorial_lines(tut: dict[str, Any]) -> list[str]:
    ours, base = tut["ours"], tut["tutorial"]
    lines = [f"Side by side on the same {base['n']} questions", _row("", "ours", "tutorial")]
    lines.append(_row("p50 total", _s(ours["total_s"]["p50"]), _s(base["total_s"]["p50"])))
    lines.append(_row("p95 total", _s(ours["total_s"]["p95"]), _s(base["total_s"]["p95"])))
    lines.append(
        _row("p50 time to first token", _s(ours["first_token_s"]["p50"]), _s(base["first_token_s"]["p50"]))
    )
    lines.append(
        _row(
            "p50 prompt tokens",
            _s(ours["prompt_tokens"]["p50"], "", 0),
            _s(base["prompt_tokens"]["p50"], "", 0),
        )
    )
    lines.append(_row("fact recall (answerable)", _s(ours["recall"], "", 3), _s(base["recall"], "", 3)))
    lines.append(
        _row(
            "refused unanswerable", _pct(ours["abstained_unanswerable"]), _pct(base["abstained_unanswerable"])
        )
    )
    lines.append(
        _row("refused answerable", _pct(ours["abstained_answerable"]), _pct(base["abstained_answerable"]))
    )
    lines.append(_row("speed-up at p50", _s(tut["speedup_p50"], "x"), ""))
    return lines


def section_lines(results: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    ing = results.get("ingest")
    if ing:
        lines += [
            f"Ingestion ({ing['articles']} articles, {ing['chunks']} chunks)",
            _row("whole ingest", _s(ing["ingest_chunks_per_s"], " ch/s", 1)),
            _row("sentence-transformers alone", _s(ing["encode_chunks_per_s"], " ch/s", 1)),
            _row("ratio (ingest time / encode time)", _s(ing["ratio"], "x")),
            _row("ratio, encoding chunks and sentences", _s(ing.get("ratio_all_texts"), "x")),
        ]
    st = results.get("storage")
    if st and "chunks" in st:
        from bench.storage import lines as storage_lines

        lines += storage_lines(st, _row, _s)
    lx = results.get("lexical")
    if lx and "chunks" in lx:
        from bench.lexical import lines as lexical_lines

        lines += lexical_lines(lx, _row, _s)
    sc = results.get("scale")
    if sc and "chunks" in sc:
        re_ = sc.get("restart", {})
        lines += [
            f"Retrieval at scale ({sc['chunks']} chunks, vectors: {sc['vectors']})",
            _row("", "p50", "p95"),
            _row("hybrid retrieval", _s(sc["hybrid_s"]["p50"], "s", 3), _s(sc["hybrid_s"]["p95"], "s", 3)),
            _row(
                "retrieval + sentence selection",
                _s(sc["retrieve_with_selection_s"]["p50"], "s", 3),
                _s(sc["retrieve_with_selection_s"]["p95"], "s", 3),
            ),
            _row("index build", _s(sc.get("build_s"), "s", 0), _s(sc.get("build_chunks_per_s"), " ch/s", 0)),
            # Runs saved before the on-disk lexical index have no such figures.
            _row(
                "open lexical index / chunks",
                _s(sc.get("open_lexical_s"), "s", 2),
                str(sc.get("lexical_chunks", "-")),
            ),
            _row("restart: ready to retrieve", _s(re_.get("ready_s"), "s", 1), ""),
            _row("restart: chunks re-embedded", str(re_.get("embedded_by_reingest", "-")), ""),
        ]
    cs = results.get("coldstart")
    if cs:
        cli, parts = cs.get("cli", {}), cs.get("breakdown", {})
        lines += [
            "Cold start (persisted index, assembled model)",
            _row("python -m rag ask: first output", _s(cli.get("first_output_s"))),
            _row("python -m rag ask: exit", _s(cli.get("exit_s"))),
        ]
        steps = ("import_s", "build_s", "snapshot_s", "first_embed_s", "locate_model_s", "model_load_s")
        for key in (*steps, "first_answer_s", "second_answer_s"):
            lines.append(_row(f"  {key[:-2].replace('_', ' ')}", _s(parts.get(key))))
    return lines


def tuning_lines(results: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    bud = results.get("budget")
    if bud:
        lines += [
            f"Fact recall against the context budget (pick: {bud['pick']} tokens)",
            _row("context_tokens", "recall", "refused un.", "prompt tok", "p50 total"),
        ]
        for r in bud["results"]:
            lines.append(
                _row(
                    str(r["context_tokens"]),
                    _s(r["recall"], "", 3),
                    _pct(r["abstained_unanswerable"]),
                    _s(r["answer_prompt_tokens"], "", 0),
                    _s(r["total_s"]["p50"]),
                )
            )
    tune = results.get("tune")
    if tune:
        lines += [
            "llama.cpp threads and batch (tokens/s)",
            _row("threads/batch threads, n_batch", "prompt", "generation"),
        ]
        for r in tune:
            label = f"{r['n_threads']}/{r['n_threads_batch']}, {r['n_batch']}"
            lines.append(_row(label, _s(r["prompt_tok_s"], "", 1), _s(r["gen_tok_s"], "", 1)))
    return lines


# Issue 11's targets: (label, where the figure is in the results, target, higher is better).
# The storage figures are targets at 1M chunks; the run says at how many it measured them.
TARGETS = (
    ("retrieval + selection p95", ("storage", "restart", "retrieve_with_selection_s", "p95"), 0.15, False),
    ("restart to first retrieval", ("storage", "restart", "restart_to_first_retrieval_s"), 3.0, False),
    ("process memory, no model (MB)", ("storage", "restart", "peak_rss_mb"), 2048, False),
    ("ingest, precomputed vectors (ch/s)", ("storage", "ingest_precomputed_chunks_per_s"), 1000, True),
    ("retrieval p50, seeds", ("latency", "summary", "retrieval_s", "p50"), 0.05, False),
    ("time to first token p50, seeds", ("latency", "summary", "first_token_s", "p50"), 3.0, False),
)


def _dig(results: dict[str, Any], path: tuple[str, ...]) -> float | None:
    for key in path:
        results = results.get(key) if isinstance(results, dict) else None
    return results if isinstance(results, int | float) else None


def target_lines(results: dict[str, Any]) -> list[str]:
    """The figures the targets are set on, each against its target (sections not run: "-")."""
    chunks = (results.get("storage") or {}).get("chunks")
    at = f"storage figures at {chunks:,} chunks; their targets hold at 1M" if chunks else "no storage run"
    lines = [f"Targets ({at})", _row("", "measured", "target", "")]
    for label, path, target, higher in TARGETS:
        got = _dig(results, path)
        met = "-" if got is None else "met" if (got >= target if higher else got <= target) else "NOT MET"
        shown = "-" if got is None else f"{got:,.0f}" if got >= 100 else f"{got:.3g}"
        lines.append(_row(label, shown, f"{'>=' if higher else '<='} {target:g}", met))
    return lines


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        f"newsrag bench {results['date']} - {m['cores']} cores, {m['memory_gb']} GB, load {m['loadavg']}"
    ]
    if "latency" in results:
        n = results["latency"]["summary"]["n"]
        lines += latency_lines(results["latency"]["summary"], f"Answer latency over {n} gold questions")
    if "tutorial" in results:
        lines += tutorial_lines(results["tutorial"])
    lines += section_lines(results)
    lines += tuning_lines(results)
    lines += target_lines(results)
    return "\n".join(lines)


if __name__ == "__main__":
    # Re-print the table of a saved run: python -m bench.report bench-results.json
    import json
    import sys
    from pathlib import Path

    for path in sys.argv[1:]:
        print(render(json.loads(Path(path).read_text(encoding="utf-8"))))
