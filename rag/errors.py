"""Errors a user can act on. Entry points print ``str(err)``, never a traceback."""


class RagError(Exception):
    """Base class: the message says what went wrong and how to fix it."""


class BadQuestion(RagError):
    """The question is empty, too long or otherwise unusable."""


class BadArticle(RagError):
    """A file cannot be ingested (empty, binary, not UTF-8, too large, wrong type)."""


class IndexMissing(RagError):
    """No articles have been ingested yet."""


class BadSetting(RagError):
    """A setting's value is well-formed but names nothing that exists (a misspelt check)."""


class ModelUnavailable(RagError):
    """The generator or embedder cannot be loaded."""
