"""The printed table shows each section's figures from a results dict."""

from bench.report import render


def _stats(p50, p95=None):
    return {"n": 2, "p50": p50, "p95": p95 if p95 is not None else p50, "mean": p50}


def test_render_prints_every_section_it_is_given():
    latency = {
        "n": 2,
        "total_s": _stats(4.2, 7.5),
        "first_token_s": _stats(2.1),
        "prompt_eval_s": _stats(1.9),
        "answer_prompt_tokens": _stats(400),
        "cached_tokens": _stats(210),
        "recall": 0.8,
        "abstained_unanswerable": 0.9,
        "overhead": {"per_question": _stats(1.07), "ratio_of_totals": 1.05, "raw_total_s": _stats(3.9)},
    }
    side = {"n": 2, "total_s": _stats(30.0), "first_token_s": _stats(28.0), "prompt_tokens": _stats(2600)}
    side.update(recall=0.7, abstained_unanswerable=0.1, abstained_answerable=0.0)
    mine = dict(side, total_s=_stats(4.0), prompt_tokens=_stats(400), recall=0.8)
    results = {
        "date": "2026-11-22",
        "machine": {"cores": 2, "memory_gb": 23.5, "loadavg": [0.5, 0.4, 0.3]},
        "latency": {"summary": latency},
        "tutorial": {"ours": mine, "tutorial": side, "speedup_p50": 7.5},
        "ingest": {
            "articles": 5,
            "chunks": 34,
            "ingest_chunks_per_s": 20.0,
            "encode_chunks_per_s": 25.0,
            "ratio": 1.25,
        },
        "coldstart": {"cli": {"first_output_s": 9.5, "exit_s": 11.0}, "breakdown": {"model_load_s": 0.8}},
    }
    text = render(results)
    for figure in (
        "4.20s",
        "7.50s",
        "1.07x",
        "400",
        "210",
        "0.800",
        "90%",
        "7.50x",
        "2600",
        "1.25x",
        "9.50s",
        "0.80s",
    ):
        assert figure in text, figure
    assert "Retrieval at scale" not in text  # a section that did not run is not shown


def test_render_prints_the_budget_sweep_and_thread_table():
    results = {
        "date": "2026-11-22",
        "machine": {"cores": 2, "memory_gb": 23.5, "loadavg": [0.5, 0.4, 0.3]},
        "budget": {
            "pick": 220,
            "results": [
                {
                    "context_tokens": 220,
                    "recall": 0.714,
                    "abstained_unanswerable": 0.5,
                    "answer_prompt_tokens": 400.3,
                    "total_s": _stats(7.41),
                }
            ],
        },
        "tune": [
            {"n_threads": 2, "n_threads_batch": 2, "n_batch": 256, "prompt_tok_s": 44.4, "gen_tok_s": 17.8}
        ],
    }
    text = render(results)
    for figure in ("pick: 220", "0.714", "50%", "400", "7.41s", "2/2, 256", "44.4", "17.8"):
        assert figure in text, figure
