"""pyarrow's fast reader gives the grid pandas gives, or steps aside for pandas."""

from __future__ import annotations

import pandas as pd
import pytest

from follicle.workbook import read

CASES = {
    "plain": b"a,b,c\n1,2,3\n4,,6\n",
    "bom": b"\xef\xbb\xbfa,b\nx,y\n",
    "quoted comma": b'a,b\n"x, y",z\n',
    "quoted line break": b'a,b\n"x\ny",z\n',
    "doubled quote": b'a,b\n"say ""hi""",z\n',
    "crlf": b"a,b\r\nx,y\r\n",
    "no final newline": b"a,b\nx,y",
    "blank line inside": b"a,b\nx,y\n\nz,w\n",
    "trailing blank lines": b"a,b\nx,y\n\n\n",
    "unicode": "a,b\nZoë,ß\n".encode(),
    "nul in cell": b"a,b\nx\x00,y\n",
    "short row": b"a,b,c\n1,2\n",
    "long row": b"a,b\n1,2,3\n",
    "cr only": b"a,b\rx,y\r",
    "spaces kept": b"a,b\n x , y \n",
    "header only": b"a,b\n",
    "empty header cell": b"a,,c\n1,2,3\n",
    "semicolons": b"a;b;c\n1;2;3\n",
    "latin-1": b"a,b\ncaf\xe9,x\n",
    "quote in header": b'"a,b",c\n1,2\n',
    "na words": b"a,b\nNA,null\n",
}


@pytest.mark.parametrize("data", CASES.values(), ids=CASES.keys())
def test_the_fast_grid_is_the_pandas_grid(data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    fast = read._arrow_grid(data)
    monkeypatch.setattr(read, "_arrow_grid", lambda data: None)
    slow, problem = read.csv_grid(data, "t.csv")
    if fast is None:
        return  # pandas reads it (or explains what is wrong): nothing to compare
    assert problem is None
    assert slow is not None
    pd.testing.assert_frame_equal(fast.astype(object), slow.astype(object), check_column_type=False)


def test_the_fast_reader_takes_the_common_files() -> None:
    for name in ("plain", "bom", "quoted comma", "quoted line break", "crlf", "unicode"):
        assert read._arrow_grid(CASES[name]) is not None, name
