"""The OpenAPI document: public, complete, and derived from the workbook schema."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from follicle.workbook import schema

from ..registry_seed import Seeded
from .conftest import Api
from .matrix import API_ROUTES


@pytest.fixture(scope="module")
def document(seeded_app: tuple[FastAPI, Seeded]) -> dict[str, Any]:
    app, _ = seeded_app
    answer = Api(app, None).get("/openapi.json")
    assert answer.status_code == 200
    found: dict[str, Any] = answer.json()
    return found


def test_the_document_is_openapi_3_and_needs_no_token(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.")
    assert document["servers"] == [{"url": "/api/v1"}]
    assert document["components"]["securitySchemes"]["token"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal access token (`follicle token create USER`).",
    }


def test_every_route_is_described_and_needs_the_token(document: dict[str, Any]) -> None:
    described = {(m.upper(), p) for p, item in document["paths"].items() for m in item}
    assert described == set(API_ROUTES)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert operation["security"] == [{"token": []}], (method, path)
            assert {"401", "403", "404", "422"} <= set(operation["responses"])


def test_errors_are_documented_as_problem_details(document: dict[str, Any]) -> None:
    for item in document["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    assert list(response["content"]) == ["application/problem+json"]


@pytest.mark.parametrize("table", schema.TABLES, ids=[t.name for t in schema.TABLES])
def test_bodies_are_named_and_typed_as_the_workbook_columns(
    document: dict[str, Any], table: schema.Table
) -> None:
    components = document["components"]["schemas"]
    name = "".join(part.title() for part in table.name.split("_"))
    record = components[f"{name}Record"]["properties"]
    assert set(record) == {*table.column_names, "key", "version"}
    create = components[f"{name}Create"]
    expected = set(table.column_names) - (
        {"participant_id"}
        if table.name != "participants" and "participant_id" in table.column_names
        else set()
    )
    assert set(create["properties"]) == expected
    assert create["additionalProperties"] is False
    json_types = {"integer": "integer", "number": "number", "boolean": "boolean"}
    for column in table.columns:
        if column.name not in create["properties"]:
            continue
        prop = create["properties"][column.name]
        variants = prop.get("anyOf", [prop])
        first = variants[0]
        if column.vocabulary is not None:
            assert first["enum"] == list(column.vocabulary)
        elif column.dtype in json_types:
            assert first["type"] == json_types[column.dtype]
            if column.dtype == "integer":  # what PostgreSQL's INTEGER holds
                assert first["maximum"] == 2**31 - 1
            if column.minimum is not None:
                bound = "exclusiveMinimum" if column.exclusive_minimum else "minimum"
                assert first[bound] == column.minimum
        elif column.dtype == "date":
            assert first["format"] == "date"
        else:
            assert first["type"] == "string"
