from rag.components import llm as llm_module
from rag.components.llm import LlamaCppLLM


def _threads(n_threads, n_threads_batch=None):
    llm = LlamaCppLLM(lambda: None, 2048, n_threads, 512, n_threads_batch=n_threads_batch)
    return llm.kwargs["n_threads"], llm.kwargs["n_threads_batch"]


def test_no_thread_count_gives_generation_every_usable_core_not_half(monkeypatch):
    # llama-cpp-python's own default would give generation 4 // 2 = 2 threads here.
    monkeypatch.setattr(llm_module, "usable_cores", lambda: 4)
    assert _threads(None) == (4, 4)
    monkeypatch.setattr(llm_module, "usable_cores", lambda: 1)
    assert _threads(None) == (1, 1)


def test_a_set_thread_count_bounds_prompt_evaluation_too_unless_it_has_its_own():
    assert _threads(1) == (1, 1)
    assert _threads(1, 2) == (1, 2)


def test_usable_cores_reads_the_cpu_set_of_this_process(monkeypatch):
    monkeypatch.setattr(llm_module.os, "sched_getaffinity", lambda pid: {0, 3, 5}, raising=False)
    assert llm_module.usable_cores() == 3
    monkeypatch.delattr(llm_module.os, "sched_getaffinity")
    monkeypatch.setattr(llm_module.os, "cpu_count", lambda: None)
    assert llm_module.usable_cores() == 1
