"""Exceptions with enough context (file, line, key) for a user to fix the problem."""

from __future__ import annotations


class DolmaToolsError(Exception):
    """Base class of every error dolma-tools raises on purpose."""


class ConfigError(DolmaToolsError):
    """A configuration value is missing, unknown or of the wrong type."""

    def __init__(self, message: str, key: str | None = None) -> None:
        self.key = key
        super().__init__(f"config key '{key}': {message}" if key else message)


class InputError(DolmaToolsError):
    """A problem with one input file; `line` is 1-based (0 when the file as a whole is at fault)."""

    def __init__(self, path: str, line: int, message: str) -> None:
        self.path = path
        self.line = line
        self.problem = message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")

    def __reduce__(self):  # keep the fields across process boundaries
        return (self.__class__, (self.path, self.line, self.problem))


class TaggerError(DolmaToolsError):
    """A tagger raised while predicting; names the tagger and the document."""

    def __init__(self, tagger: str, doc_id: str, path: str, line: int, cause: str) -> None:
        self.tagger, self.doc_id, self.path, self.line, self.cause = tagger, doc_id, path, line, cause
        super().__init__(f"tagger '{tagger}' failed on document id={doc_id!r} ({path}:{line}): {cause}")

    def __reduce__(self):
        return (self.__class__, (self.tagger, self.doc_id, self.path, self.line, self.cause))


class AlignmentError(InputError):
    """An attribute file does not line up with its document file."""


class StorageError(DolmaToolsError):
    """Object store problems: missing bucket, denied access, missing credentials."""
