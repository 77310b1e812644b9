"""Commands given what they cannot use end with a message and exit 1 (2 for an option's
value refused as it is read), never a traceback.

Each case is one a user met (an exploratory walk of the command line): a path in a folder
that does not exist, a number past any range, a claims file that is not text, a registry
URL of another database.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from follicle.cli import app
from follicle.store.access.accounts import create_site
from follicle.store.engine import ensure_schema, make_engine
from follicle.workbook import seed

runner = CliRunner(env={"COLUMNS": "400"})

CASES = {
    "a REDCap dictionary into a missing folder": (
        ["dictionary", "--redcap", "{tmp}/nowhere/dd.csv"],
        "nowhere",
    ),
    "a REDCap dictionary onto a folder": (["dictionary", "--redcap", "{tmp}"], "Is a directory"),
    "an anchor in a missing folder": (
        ["audit-log", "verify", "--anchor", "{tmp}/nowhere/anchor.json"],
        "No such file or directory",
    ),
    "a claims file that is not text": (
        ["audit", str(seed.path()), "--claims", "{tmp}/claims.yaml"],
        "not UTF-8 text",
    ),
    "a token living past any date": (
        ["token", "create", "nobody", "--expires", "9" * 30 + "h"],
        "at most 366 days",
    ),
    "a token number past any number": (["token", "revoke", "9" * 25], "there is no token"),
    "an empty user name": (
        ["user", "add", " ", "--role", "analyst", "--password-stdin"],
        "a user name is required",
    ),
    "an empty site code": (["site", "add", " ", "Somewhere"], "a site's code is required"),
    "a synthetic cohort of a typo's size": (
        ["synth", "--women", "99999999999", "{tmp}/cohort"],
        "99999999999 is not in the range 1<=x<=10000000",
    ),
    "no report format": (
        ["report", str(seed.path()), "--out", "{tmp}/r", "--format", ""],
        "no report format given",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_command_that_cannot_go_on_says_why(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    engine = make_engine(url)
    ensure_schema(engine)
    with engine.begin() as connection:  # an audit entry, for the chain to verify
        create_site(connection, "S", "A site")
    engine.dispose()
    monkeypatch.setenv("FOLLICLE_DATABASE_URL", url)
    (tmp_path / "claims.yaml").write_bytes(b"\xff\xfeclaims: []\n")
    args, said = CASES[name]
    result = runner.invoke(
        app, [a.replace("{tmp}", str(tmp_path)) for a in args], input="a long pass phrase\n"
    )
    assert result.exit_code in (1, 2), result.output  # 2: a value refused as it is parsed
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert said in " ".join(result.output.split())
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("mysql://someone:secret@host/db", "SQLite or PostgreSQL, not mysql"),
        ("not a url", "not a database URL"),
    ],
)
def test_a_registry_url_of_another_kind_is_refused_without_its_password(
    url: str, said: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOLLICLE_DATABASE_URL", url)
    result = runner.invoke(app, ["site", "list"])
    assert result.exit_code == 1
    assert said in " ".join(result.output.split())
    assert "secret" not in result.output


@pytest.mark.parametrize(
    "command",
    [
        ["site", "list"],
        ["user", "list"],
        ["token", "list"],
        ["user", "disable", "someone"],
        ["token", "revoke", "1"],
        ["adjudicator", "remove", "someone"],
    ],
)
def test_a_registry_url_that_names_nothing_is_not_made_a_registry(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A typo in FOLLICLE_DATABASE_URL: the command says so, and leaves no empty registry.
    typo = tmp_path / "regsitry.db"
    monkeypatch.setenv("FOLLICLE_DATABASE_URL", f"sqlite:///{typo}")
    result = runner.invoke(app, command)
    assert result.exit_code == 1
    assert "there is no registry at" in " ".join(result.output.split())
    assert not typo.exists()


def test_serve_names_a_web_setting_that_does_not_hold(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FOLLICLE_DATABASE_URL", f"sqlite:///{tmp_path / 'registry.db'}")
    monkeypatch.setenv("FOLLICLE_THREADS", "0")
    monkeypatch.setenv("FOLLICLE_SESSION_MINUTES", "soon")
    result = runner.invoke(app, ["serve", "--port", "1"])
    assert result.exit_code == 1
    assert "FOLLICLE_THREADS='0': Input should be greater than or equal to 1" in result.output
    assert "FOLLICLE_SESSION_MINUTES='soon'" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "registry.db").exists()  # stopped before the registry


def test_serve_on_a_taken_port_stops_before_the_registry(tmp_path: Path, monkeypatch) -> None:
    # One process (the default): the check comes before any start-up work, as with several.
    monkeypatch.setenv("FOLLICLE_DATABASE_URL", f"sqlite:///{tmp_path / 'registry.db'}")
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        result = runner.invoke(app, ["serve", "--host", "127.0.0.1", "--port", str(port)])
    assert result.exit_code == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in " ".join(result.output.split())
    assert not (tmp_path / "registry.db").exists()  # stopped before the registry
