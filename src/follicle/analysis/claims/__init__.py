"""Published claims as data: the format of a claims file, its loader and the seed paper's.

:func:`load_claims` reads a YAML claims file (``docs/audit.md``); :data:`SEED_CLAIMS` is the
bundled file of every number Zafardoust et al. (Stem Cell Res Ther 2025) publish. The audit
itself is :func:`follicle.analysis.audit.audit`.
"""

from follicle.analysis.claims.load import SEED_CLAIMS, load_claims
from follicle.analysis.claims.printed import Printed, parse
from follicle.analysis.claims.schema import Check, Claim, Claims, ClaimsInvalid

__all__ = [
    "SEED_CLAIMS",
    "Check",
    "Claim",
    "Claims",
    "ClaimsInvalid",
    "Printed",
    "load_claims",
    "parse",
]
