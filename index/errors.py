"""The errors that reach the front doors and the bot, in one leaf module: each says what the user
can do about it, and the command line turns them into exit status 2 (bad input or setup) with a
one-line reason. Errors that stay inside a stage (a file skipped while reading, a recording that
cannot be decoded) are defined in that stage."""

from __future__ import annotations


class ConfigError(ValueError):
    """An environment variable holds a value that cannot be used."""


class CorpusEmpty(ValueError):
    """The corpus folder is missing, or nothing in it could be indexed."""


class BadQuestion(ValueError):
    """The question cannot be answered as given (empty, nothing searchable)."""


class ModelError(RuntimeError):
    """The embedding model is missing, altered or cannot be loaded."""


class IndexProblem(RuntimeError):
    """Base class: the index cannot be used as it is."""


class IndexMissing(IndexProblem):
    """No index has been built yet."""


class IndexCorrupt(IndexProblem):
    """A file of the index is missing, unreadable or does not match its checksum."""


class IndexStale(IndexProblem):
    """The index was built from another corpus, other settings or an older format."""
