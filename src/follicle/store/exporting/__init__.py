"""The registry taken back out: as a workbook (full or de-identified), column-wise as Arrow
tables, and as the de-identified copy the live report analyses."""
