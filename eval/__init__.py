"""The eval harness: a gold question set, metrics, a readable report and a CI gate.

It drives the same in-process service as the UI (``rag.factory.build(...).service.ask``).
Entry point: ``python -m eval`` (see eval/cli.py).
"""
