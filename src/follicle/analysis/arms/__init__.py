"""The comparison of arms (treated against control, MenSC against PRP), issue 15.

``data`` derives who is compared, from when, with which covariates; ``cox`` and
``finegray`` fit the hazard models as R's ``survival`` does; ``weighting``, ``balance``,
``incidence`` and ``evalue`` the propensity-score analysis and its companions; ``compare``
assembles the report's results; ``figures`` draws them. Definitions: ``docs/arms.md``.
"""
