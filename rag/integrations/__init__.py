"""Adapters for other frameworks. Each imports its framework only when it is imported itself,
so ``import rag`` stays cheap."""
