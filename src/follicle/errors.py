"""follicle's exceptions: one tree, each with a stable code.

Library code raises these; the CLI (:mod:`follicle.cli`) turns them into a message and
exit code 1, and the web application into an HTTP status. Nothing below prints or exits.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a workbook, located as a coordinator would look for it.

    ``row`` is the spreadsheet row (the header is row 1, so the first data row is 2), or
    ``None`` for problems of a whole file or column. ``rule`` is a stable code (see
    ``docs/workbook.md``); ``message`` says what is wrong in plain words.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str
    message: str

    def __post_init__(self) -> None:
        # Codes are documented (docs/workbook.md); an undocumented one is a bug here.
        from follicle.workbook.schema import CODES

        if self.rule not in CODES:
            raise ValueError(f"undocumented problem code {self.rule!r}")

    def to_dict(self) -> dict[str, Any]:
        """The problem as a JSON-ready mapping."""
        return asdict(self)

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column}"
        shown = "" if self.value is None else f" (value {self.value!r})"
        return f"{where}: {self.message}{shown}"


class FollicleError(Exception):
    """Base of every error follicle raises on purpose."""

    code = "follicle_error"
    http_status = 500


class WorkbookInvalid(FollicleError):
    """A workbook broke one or more rules; ``problems`` lists every one of them."""

    code = "workbook_invalid"
    http_status = 422

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        first = f"; the first: {problems[0]}" if problems else ""
        super().__init__(f"the workbook has {len(problems)} problem(s){first}")


class NotFound(FollicleError):
    """A file, record or resource does not exist."""

    code = "not_found"
    http_status = 404


class Conflict(FollicleError):
    """A write would contradict what the registry already holds."""

    code = "conflict"
    http_status = 409

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        self.problems = problems or []
        super().__init__(message)


class RegistryBusy(FollicleError):
    """Another writer (an import, a save) held the registry longer than a write may wait."""

    code = "registry_busy"
    http_status = 503


class PermissionDenied(FollicleError):
    """The user may not do this (role or site)."""

    code = "permission_denied"
    http_status = 403


class WeakPassword(FollicleError):
    """A new password is too short, too common or the user name itself."""

    code = "weak_password"
    http_status = 422
