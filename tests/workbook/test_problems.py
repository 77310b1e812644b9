"""Whether a problem says where it is (:func:`follicle.workbook.problems.unlocated`)."""

from __future__ import annotations

import pytest

from follicle.errors import Problem
from follicle.workbook.problems import WHOLE_FILE_CODES, unlocated
from follicle.workbook.schema import CODES


def test_every_whole_file_code_is_a_known_code() -> None:
    assert WHOLE_FILE_CODES <= set(CODES)


@pytest.mark.parametrize(
    "problem",
    [
        Problem("contacts.csv", 5, "contact_date", "2030-01-01", "future_date", "in the future"),
        Problem("contacts.csv", None, None, None, "missing_column", "contact_date is missing"),
        Problem("pregnancies.csv", None, None, None, "death_before_birth", "order"),
        Problem("infants.csv", 2, "sex", "x", "not_in_vocabulary", "not a word of sex"),
    ],
)
def test_a_located_problem_is_not_listed(problem: Problem) -> None:
    assert unlocated([problem]) == []


@pytest.mark.parametrize(
    "problem",
    [
        Problem("", 5, "afc", "x", "not_an_integer", "not a whole number"),
        Problem("participants.csv", 5, "afc", "x", "not_an_integer", ""),
        Problem("participants.csv", None, "afc", "x", "not_an_integer", "not a whole number"),
        Problem("participants.csv", 1, "afc", "x", "not_an_integer", "not a whole number"),
        Problem("participants.csv", 5, None, "x", "not_an_integer", "not a whole number"),
    ],
    ids=["no file", "no message", "no row", "the header row", "no column"],
)
def test_a_problem_that_does_not_say_where_is_listed(problem: Problem) -> None:
    found = unlocated([problem, Problem("a.csv", 2, "afc", "1", "required", "empty")])
    assert len(found) == 1
    assert problem.rule in found[0]
