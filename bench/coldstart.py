"""Cold start: process start to first answer, with a persisted index and an assembled model.

Two views: ``python -m rag ask`` timed from outside as a user runs it (to its first
printed byte and to its exit), and the same steps timed from inside a fresh process
(``python -m bench.coldstart DATA_DIR QUESTION``): imports, build, index snapshot,
first embedding (loads MiniLM), locating the model (a stamp check: it must never be
reassembled), model load, first answer -- then a second answer for comparison.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import ROOT


def cli(data_dir: Path, question: str) -> dict[str, Any]:
    env = {**os.environ, "RAG_DATA_DIR": str(data_dir)}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag", "ask", question],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first = proc.stdout.read(1)
    first_s = time.perf_counter() - t0
    rest = proc.stdout.read()
    err = proc.stderr.read()
    code = proc.wait()
    total = time.perf_counter() - t0
    out = {"first_output_s": first_s, "exit_s": total, "returncode": code}
    if code:
        out["stderr"] = err.decode(errors="replace")[-2000:]
    out["answer"] = (first + rest).decode(errors="replace").splitlines()[0] if first else ""
    return out


def breakdown(data_dir: Path, question: str) -> dict[str, Any]:
    env = {**os.environ, "RAG_DATA_DIR": str(data_dir)}
    cmd = [sys.executable, "-m", "bench.coldstart", str(data_dir), question]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        return {"error": done.stderr[-2000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def stages(data_dir: Path, question: str) -> dict[str, float]:
    """Runs inside the fresh process; each figure is the time of that step alone."""
    marks: dict[str, float] = {}
    t0 = last = time.perf_counter()

    def mark(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        marks[name] = now - last
        last = now

    from rag.factory import build
    from rag.settings import Settings

    mark("import_s")
    rag = build(Settings(data_dir=data_dir))
    mark("build_s")
    rag.service.snapshot.refresh()
    mark("snapshot_s")
    rag.ingestor.embedder.embed([question])
    mark("first_embed_s")
    from rag.components.llm import resolve_model_path

    resolve_model_path(rag.settings, progress=False)  # a stamp check, never a reassembly
    mark("locate_model_s")
    load = getattr(rag.service.llm, "load", None)
    if load:
        load()
    mark("model_load_s")
    answer = rag.service.ask(question)
    mark("first_answer_s")
    marks["total_s"] = time.perf_counter() - t0
    marks["first_answer_prompt_tokens"] = answer.prompt_tokens
    marks["first_answer_first_token_s"] = answer.timings.first_token_s
    # The same question again: what every later question costs once all is loaded.
    again = rag.service.ask(question.rstrip("?") + " 2023?")
    mark("second_answer_s")
    marks["second_answer_first_token_s"] = again.timings.first_token_s
    return marks


if __name__ == "__main__":
    print(json.dumps(stages(Path(sys.argv[1]), sys.argv[2])))
