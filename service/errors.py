"""A short error hierarchy that separates bad input (reported, the run goes on) from bugs."""

from __future__ import annotations

from models.enums import ErrorCode


class EvidenceError(Exception):
    """Base of the errors the product raises on purpose; each carries a stable code."""

    def __init__(self, code: ErrorCode, message: str, *, file: str | None = None, page: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.file = file
        self.page = page


class InputError(EvidenceError):
    """The input cannot be read: missing, corrupt, too large, of a kind we do not read."""


class UsageError(Exception):
    """The command was called wrongly (exit status 2)."""
