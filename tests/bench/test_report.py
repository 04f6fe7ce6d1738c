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


def test_render_sets_each_issue_11_figure_against_its_target():
    results = {
        "date": "2026-12-06",
        "machine": {"cores": 2, "memory_gb": 23.5, "loadavg": [0.5, 0.4, 0.3]},
        "latency": {"summary": {"n": 2, "retrieval_s": _stats(0.019), "first_token_s": _stats(3.1)}},
        "storage": {
            "chunks": 1019698,
            "write_batch": 512,
            "ingest_precomputed_chunks_per_s": 1200.0,
            "chroma_chunks_per_s": 1500.0,
            "disk_mb": {"chroma": 1.0, "lexical": 1.0},
            "restart": {
                "retrieve_with_selection_s": _stats(0.1, 0.26),
                "restart_to_first_retrieval_s": 12.2,
                "peak_rss_mb": 1900.0,
            },
        },
    }
    text = render(results)
    assert "Targets (storage figures at 1,019,698 chunks; their targets hold at 1M)" in text
    table = text.split("Targets (")[1].splitlines()

    def cells(label: str) -> list[str]:
        return next(line for line in table if line.strip().startswith(label))[len(label) + 2 :].split()

    assert cells("retrieval + selection p95") == ["0.26", "<=", "0.15", "NOT", "MET"]
    assert cells("restart to first retrieval") == ["12.2", "<=", "3", "NOT", "MET"]
    assert cells("process memory, no model (MB)") == ["1,900", "<=", "2048", "met"]
    assert cells("ingest, precomputed vectors (ch/s)") == ["1,200", ">=", "1000", "met"]
    assert cells("retrieval p50, seeds") == ["0.019", "<=", "0.05", "met"]
    assert cells("time to first token p50, seeds") == ["3.1", "<=", "3", "NOT", "MET"]


def test_render_leaves_a_target_blank_when_its_section_did_not_run():
    results = {"date": "d", "machine": {"cores": 2, "memory_gb": 1, "loadavg": [0, 0, 0]}}
    text = render(results)
    assert "Targets (no storage run)" in text
    ingest = next(line for line in text.splitlines() if "ingest, precomputed" in line)
    assert ingest.split()[-4:] == ["-", ">=", "1000", "-"]
