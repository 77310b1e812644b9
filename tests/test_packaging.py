"""The package's metadata: what `pip install .` reads, and the lock kept within its ranges."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _locked() -> dict[str, Version]:
    pins = re.findall(
        r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", (ROOT / "requirements.lock").read_text(), re.M
    )
    return {name.lower().replace("_", "-"): Version(version) for name, version in pins}


def test_the_license_is_an_spdx_string_so_setuptools_does_not_warn() -> None:
    # A table ({ text = "MIT" }) makes setuptools >= 77 print a deprecation on every build.
    assert PYPROJECT["project"]["license"] == "MIT"
    (backend,) = PYPROJECT["build-system"]["requires"]
    assert Requirement(backend).specifier.contains("77")
    assert not Requirement(backend).specifier.contains("76")


def test_every_declared_dependency_is_locked_within_its_range() -> None:
    locked = _locked()
    declared = [
        *PYPROJECT["project"]["dependencies"],
        *PYPROJECT["project"]["optional-dependencies"]["dev"],
    ]
    for text in declared:
        requirement = Requirement(text)
        name = requirement.name.lower().replace("_", "-")
        assert name in locked, f"{name} is declared but not locked"
        assert requirement.specifier.contains(locked[name]), (text, locked[name])
        # Every direct dependency has a lower bound: test-lowest installs exactly it.
        assert any(s.operator == ">=" for s in requirement.specifier), text
