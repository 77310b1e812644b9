"""The Result value: its notebook caption with and without the report's number."""

from __future__ import annotations

import pandas as pd

from follicle.analysis.result import Result


def _result(label: str) -> Result:
    return Result("table2", label, "Pregnancy by age", pd.DataFrame({"n": [1]}), {"n": 1})


def test_a_notebook_caption_shows_the_number_only_once_the_report_gave_one() -> None:
    unnumbered = _result("")._repr_html_()
    assert unnumbered.startswith("<p><b>Pregnancy by age</b></p>")
    assert "<b>.</b>" not in unnumbered
    numbered = _result("Table 4")._repr_html_()
    assert numbered.startswith("<p><b>Table 4.</b> Pregnancy by age</p>")
