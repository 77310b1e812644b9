"""The API's JSON bodies, generated from the workbook schema — never a hand-kept field list.

Each workbook table gives three models (:func:`row_models`):

``<Table>Create``
    a new row: its columns under their workbook names, typed as JSON (whole numbers,
    numbers, ``true``/``false``, ISO dates as strings, vocabularies as enums); required
    columns required. Under ``/participants/{participant_id}/…`` the woman's ID comes
    from the path and is not in the body; a child row's own key (``cycle_id``,
    ``pregnancy_id``, ``infant_id``) may be left out and is then given.
``<Table>Update``
    a change: any of the columns that may change (``null`` empties one), plus the
    ``version`` the client read and the ``reason`` for the change — as on the pages.
``<Table>Record``
    a saved row as the API returns it: every column, plus ``key`` (the row's key, or its
    number in the tables without one) and ``version``.

The types carry the schema's bounds (minimums, vocabularies) and the storage bound of
an integer column (a 32-bit ``INTEGER`` on PostgreSQL), so that what passes the model fits
the database; every other rule — real dates, dates not in the future, the rules across
rows and tables — is the workbook's own validation, run by the store on the woman's rows.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    create_model,
)

from follicle.store.woman import text_value
from follicle.workbook import schema

#: The largest value an integer column can store (PostgreSQL ``INTEGER``).
INT_MAX = 2**31 - 1

#: A calendar date as the workbook writes it.
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

#: The longest text a cell of the API may hold (a cell of a spreadsheet holds 32,767).
TEXT_MAX = 32_767


def _encodable(text: str) -> str:
    """Refuse lone surrogates (``"\\ud800"`` is valid JSON but no character): no database
    can store them."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("the text holds an unpaired surrogate, which is not a character") from None
    return text


def _whole(value: object) -> object:
    """``3.0`` is the whole number 3 (JSON Schema counts it an integer); ``3.5``, ``"3"`` and
    ``true`` stay what they are, and the strict check refuses them."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def whole(**bounds: Any) -> Any:
    """A whole number of a body within ``bounds`` (``ge``, ``gt``, ``le``): a JSON number
    without a fraction, never a string or a boolean. The bounds sit on the integer itself,
    so that the document states them as ``minimum``/``maximum``."""
    return Annotated[int, Strict(), Field(**bounds), BeforeValidator(_whole)]


#: Text of a body: a JSON string that is real Unicode.
Text = Annotated[str, Strict(), AfterValidator(_encodable)]


class Forbid(BaseModel):
    """Bodies refuse unknown fields: a misspelt column is an error, not silently lost."""

    model_config = ConfigDict(extra="forbid")


def _bounds(column: schema.Column) -> dict[str, Any]:
    if column.minimum is None:
        return {}
    return {"gt" if column.exclusive_minimum else "ge": column.minimum}


def json_type(column: schema.Column) -> Any:
    """The JSON type of ``column`` as a pydantic annotation (with its bounds)."""
    if column.vocabulary is not None:
        return Literal[column.vocabulary]
    if column.dtype == "integer":
        maximum = getattr(column, "maximum", None)
        return whole(le=INT_MAX if maximum is None else maximum, **_bounds(column))
    if column.dtype == "number":
        return Annotated[float, Strict(), Field(allow_inf_nan=False, **_bounds(column))]
    if column.dtype == "boolean":
        return Annotated[bool, Strict()]
    if column.dtype == "date":
        return Annotated[Text, Field(pattern=DATE_PATTERN, json_schema_extra={"format": "date"})]
    return Annotated[Text, Field(min_length=1, max_length=TEXT_MAX)]


def _described(column: schema.Column) -> str:
    unit = f" ({column.unit})" if column.unit else ""
    return f"{column.description}{unit}; {column.constraint_text}"


def optional_field(column: schema.Column) -> tuple[Any, Any]:
    """A request model's field for ``column``: its JSON type or null, absent by default."""
    return (json_type(column) | None, Field(None, description=_described(column)))


def _class_name(table: schema.Table, suffix: str) -> str:
    return "".join(part.title() for part in table.name.split("_")) + suffix


def path_owned(table: schema.Table) -> bool:
    """Whether the woman's ID of a new ``table`` row comes from the URL, not the body."""
    return table.name != "participants" and "participant_id" in table.column_names


def fixed_columns(table: schema.Table) -> set[str]:
    """Columns an update may not change: the woman, the row's key and its parent."""
    fixed = {"participant_id", table.owner[0]}
    if table.key is not None:
        fixed.add(table.key)
    return fixed


@cache
def row_models(table: schema.Table) -> tuple[type[BaseModel], type[BaseModel], type[BaseModel]]:
    """The (create, update, record) models of ``table`` (see the module docstring)."""
    create: dict[str, Any] = {}
    for column in table.columns:
        if column.name == "participant_id" and path_owned(table):
            continue
        generated_key = table.key == column.name and table.name != "participants"
        if column.required and not generated_key:
            create[column.name] = (json_type(column), Field(description=_described(column)))
        else:
            create[column.name] = optional_field(column)
    update: dict[str, Any] = {
        c.name: optional_field(c) for c in table.columns if c.name not in fixed_columns(table)
    }
    update["version"] = (
        whole(ge=1, le=INT_MAX),
        Field(description="the version of the row the change was made from (optimistic lock)"),
    )
    update["reason"] = (
        Annotated[Text, Field(min_length=1, max_length=TEXT_MAX)],
        Field(description="why saved data change (kept in the audit trail)"),
    )
    record: dict[str, Any] = {
        "key": (str, Field(description=f"the row's key ({table.key or 'its number'})")),
        "version": (int, Field(description="the row's version: 1 when made, +1 per change")),
        **{c.name: optional_field(c) for c in table.columns},
    }
    return (
        create_model(_class_name(table, "Create"), __base__=Forbid, **create),
        create_model(_class_name(table, "Update"), __base__=Forbid, **update),
        create_model(_class_name(table, "Record"), **record),
    )


def cell_values(values: dict[str, Any]) -> dict[str, str]:
    """JSON values as the cell text the store's validation reads (``null`` → empty)."""
    return {name: text_value(value) for name, value in values.items()}


def json_value(column: schema.Column, value: Any) -> Any:
    """A stored value as JSON: ``None`` unknown, dates ISO, numbers and booleans native."""
    if value is None or value is pd.NA or value is pd.NaT or value != value:  # noqa: PLR0124
        return None
    if column.dtype == "date":
        return text_value(value)
    if column.dtype == "integer":
        return int(value)
    if column.dtype == "number":
        return float(value)
    if column.dtype == "boolean":
        return bool(value)
    return str(value)


def records_json(table: schema.Table, frame: pd.DataFrame, key_column: str) -> list[dict[str, Any]]:
    """Rows of ``frame`` (typed, as the store reads them) as records of ``table``."""
    out = []
    for row in frame.to_dict("records"):
        item = {c.name: json_value(c, row.get(c.name)) for c in table.columns}
        item["key"] = text_value(row[key_column])
        item["version"] = int(row["version"])
        out.append(item)
    return out


def _json_column(values: pd.Series) -> list[Any]:
    if pd.api.types.is_datetime64_any_dtype(values):
        has_time = values.dt.tz is not None
        return [
            None if pd.isna(v) else (v.isoformat() if has_time else v.date().isoformat())
            for v in values
        ]
    if pd.api.types.is_integer_dtype(values):
        return [None if pd.isna(v) else int(v) for v in values]
    if pd.api.types.is_float_dtype(values):
        return [None if pd.isna(v) else float(v) for v in values]
    return [None if v is None or v is pd.NA or v != v else v for v in values.astype(object)]


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Any frame as JSON records: dates ISO (timestamps with their time), unknown ``None``."""
    columns = {str(name): _json_column(frame[name]) for name in frame.columns}
    return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]
