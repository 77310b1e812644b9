"""The bundled seed cohort: reconstructed from published aggregates; not patient data.

A workbook folder (the eight CSVs of ``docs/workbook.md`` and a ``README.md``) of
105 women treated with intra-ovarian injections of autologous menstrual-blood-derived stromal
cells (MenSCs) at one site, with 140 injections (70 women with one, 35 with two), about 700
follow-up contacts, 85 IVF cycles in 54 women, 43 pregnancies in 38 women, 32 infants and one
maternal condition (an ovarian cyst during pregnancy). Tables: ``participants``,
``injections``, ``contacts``, ``conditions``, ``ivf_cycles``, ``pregnancies``, ``infants``,
``infant_conditions`` (header only).

Provenance: reconstructed from published aggregates; not patient data. No row describes a
real person. ``scripts/make_seed_cohort.py`` generated every row deterministically (fixed
seed) so that, under the definitions of ``docs/results.md``, the rows give back every
aggregate published by Zafardoust et al., *Stem Cell Research & Therapy* 2025 (ages 37.91 ±
4.98 at first injection and 41.98 ± 5.00 at follow-up, follow-up 3.72 years from the last
injection, 38 of 105 women pregnant, 43 pregnancies, 12 miscarriages, 32 infants, ...). Baseline
AMH, AFC, FSH and prior-cycle history are invented plausible poor-responder values; the paper
does not publish them. ``README.md`` in the folder lists the aggregates and every choice made
where the paper contradicts itself.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["path"]


def path() -> Path:
    """The folder holding the seed cohort's CSV files (a workbook folder)."""
    folder = resources.files(__name__)
    if isinstance(folder, Path):
        return folder
    # A package inside an archive: fall back to the string form, which is a real folder for
    # every ordinary (and editable) installation.
    return Path(str(folder))
