"""What validates also imports: the largest whole number a count may hold goes into the
registry on SQLite and PostgreSQL; one more is refused at validation, located."""

from __future__ import annotations

import shutil

from sqlalchemy import Engine, select

from editing import set_cell
from follicle.store.importing.importer import import_workbook
from follicle.store.tables import WORKBOOK_TABLES
from follicle.workbook.schema import INTEGER_MAXIMUM
from follicle.workbook.validate import validate_path

from ..helpers import SMALL


def test_the_largest_count_validates_and_imports(engine: Engine, tmp_path) -> None:
    folder = shutil.copytree(SMALL, tmp_path / "wb")
    set_cell(folder, "participants", 2, "afc", str(INTEGER_MAXIMUM))
    result = validate_path(folder)
    assert result.ok, result.problems
    import_workbook(engine, result.workbook())
    participants = WORKBOOK_TABLES["participants"]
    with engine.connect() as connection:
        stored = connection.execute(select(participants.c.afc)).scalars().all()
    assert INTEGER_MAXIMUM in stored


def test_one_more_is_refused_where_it_is(tmp_path) -> None:
    folder = shutil.copytree(SMALL, tmp_path / "wb")
    set_cell(folder, "participants", 3, "afc", str(INTEGER_MAXIMUM + 1))
    (problem,) = validate_path(folder).problems
    assert (problem.file, problem.row, problem.column, problem.rule) == (
        "participants.csv",
        3,
        "afc",
        "above_maximum",
    )
