"""Benchmarks that print figures (``python -m bench``); never timed assertions in tests."""
