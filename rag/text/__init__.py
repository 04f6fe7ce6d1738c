"""The lowest text layer: patterns and word lists that every other package reads.

It imports nothing from rag but rag.types, so ingestion, the answer checks, the web view, the
evaluation and the benchmarks can all use it without pulling in one another.
"""
