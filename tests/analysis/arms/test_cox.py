"""fit_cox's own path to lifelines' Newton–Raphson against CoxPHFitter.fit itself."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from follicle.analysis.arms.cox import FIT_OPTIONS, fit_cox


def _data(seed: int, *, binary: bool) -> pd.DataFrame:
    """Rows in random order with many tied days, censored rows sharing day and arm."""
    rng = np.random.default_rng(seed)
    n = 600
    arm = rng.integers(0, 3, n)
    frame = pd.DataFrame(
        {
            "time": rng.integers(1, 40, n).astype(float),
            "event": (rng.random(n) < 0.6).astype(int),
            "a1": (arm == 1).astype(float),
            "a2": (arm == 2).astype(float),
            "w": rng.uniform(0.2, 3.0, n),
        }
    )
    if not binary:
        frame["age"] = rng.normal(35, 4, n).round()
    return frame


def _lifelines(frame: pd.DataFrame, terms: list[str], weights: str | None) -> tuple:
    from lifelines import CoxPHFitter

    columns = ["time", "event", *terms] + ([weights] if weights else [])
    fitter = CoxPHFitter().fit(
        frame[columns],
        duration_col="time",
        event_col="event",
        weights_col=weights,
        fit_options={**FIT_OPTIONS, "step_size": 0.95},
        batch_mode=True,
    )
    return (
        fitter.params_.loc[terms].to_numpy(),
        fitter.variance_matrix_.loc[terms, terms].to_numpy(),
    )


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize("weights", [None, "w"])
def test_the_fit_is_coxphfitters(binary: bool, weights: str | None) -> None:
    frame = _data(3, binary=binary)
    terms = ["a1", "a2"] if binary else ["a1", "a2", "age"]
    coef, variance = _lifelines(frame, terms, weights)
    fit = fit_cox(frame, terms, weights=weights)
    np.testing.assert_allclose(fit.coef, coef, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fit.variance, variance, rtol=1e-9, atol=1e-14)
    # Rows already in time order, and a start near the estimate: the same fit.
    ordered = frame.iloc[np.lexsort((frame["event"], frame["time"]))]
    again = fit_cox(ordered, terms, weights=weights, initial=coef + 0.05)
    np.testing.assert_allclose(again.coef, coef, rtol=1e-9, atol=1e-12)
    assert again.n == len(frame)
    assert again.events == int(frame["event"].sum())


def test_missing_values_are_refused() -> None:
    frame = _data(4, binary=True)
    frame.loc[3, "a1"] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fit_cox(frame, ["a1", "a2"])


def test_an_arm_without_events_is_fitted_as_lifelines_fits_it() -> None:
    # Its coefficient runs off towards -inf and Newton stops on the log-likelihood (as
    # R's coxph does, with a huge standard error); lifelines' check of why must not fail.
    frame = _data(5, binary=True)
    frame.loc[frame["a2"] == 1, "event"] = 0
    fit = fit_cox(frame, ["a1", "a2"])
    assert fit.coef[1] < -15
    assert fit.se[1] > 1e3
    assert abs(fit.coef[0]) < 2
