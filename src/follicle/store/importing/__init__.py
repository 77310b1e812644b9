"""A workbook into the registry, all or nothing: its rows set against the registry's
(``incoming``, ``existing``, ``changes``), written in foreign-key order (``writes``,
``bulk``) with one audit entry per woman (``audit``); its sites, the women's identities
and the reviewers' judgments arriving beside it."""
