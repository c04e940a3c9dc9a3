"""ETS and SARIMAX on seeded series with known structure: accuracy, driver effects, intervals, robustness."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from forecasting.models import get_model

#: Small order search so the file stays fast; the first candidates fit these series well.
SARIMAX_FAST = {"time_budget": 0.3}


def long_table(series: dict[str, np.ndarray], *, start: str = "2023-01-02", freq: str = "D", **drivers) -> pd.DataFrame:
    """Long table of the given series; ``drivers`` maps a column to one array per series (same keys)."""
    frames = []
    for uid, y in series.items():
        frame = pd.DataFrame({"unique_id": uid, "ds": pd.date_range(start, periods=len(y), freq=freq),
                              "y": np.asarray(y, dtype="float64")})
        for column, values in drivers.items():
            frame[column] = np.asarray(values[uid], dtype="float64")
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def weekly_profile(n: int) -> np.ndarray:
    return np.resize([0.0, 4.0, 6.0, 5.0, 10.0, 22.0, -15.0], n)


def ar1(rng: np.random.Generator, n: int, phi: float, sigma: float) -> np.ndarray:
    noise = rng.normal(0, sigma, n)
    out = np.empty(n)
    out[0] = noise[0] / np.sqrt(1 - phi**2)
    for t in range(1, n):
        out[t] = phi * out[t - 1] + noise[t]
    return out


def split(df: pd.DataFrame, horizon: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    is_test = df.groupby("unique_id").cumcount(ascending=False) < horizon
    return df[~is_test], df[is_test]


def mae(forecast: pd.DataFrame, test: pd.DataFrame, column: str) -> float:
    joined = test.merge(forecast, on=["unique_id", "ds"], validate="one_to_one")
    assert len(joined) == len(test)
    return float((joined["y"] - joined[column]).abs().mean())


# -- ETS ---------------------------------------------------------------------------------


def test_ets_beats_seasonal_naive_on_level_plus_weekly_season():
    rng = np.random.default_rng(1)
    n = 400
    series = {f"s{i}": 60 + 10 * i + weekly_profile(n) + rng.normal(0, 6, n) for i in range(3)}
    train, test = split(long_table(series), 28)
    ets = get_model("ets").fit(train).predict(28)
    naive = get_model("seasonal_naive").fit(train).predict(28)
    ets_error, naive_error = mae(ets, test, "ets"), mae(naive, test, "seasonal_naive")
    # Repeating last week also repeats its noise; a smoothed season does not (about 1/sqrt(2) of the error).
    assert ets_error < 0.85 * naive_error, (ets_error, naive_error)


@pytest.mark.parametrize("slope", [0.5, -0.5])
def test_ets_trend_forecasts_go_in_the_direction_of_the_trend(slope):
    rng = np.random.default_rng(2)
    n = 200
    y = 150 + slope * np.arange(n) + rng.normal(0, 2, n)
    train = long_table({"t": y})
    horizon = 28
    undamped = get_model("ets", trend="add", damped=False, seasonal="none").fit(train).predict(horizon)["ets"]
    damped = get_model("ets", trend="add", damped=True, seasonal="none").fit(train).predict(horizon)["ets"]
    undamped_slope = (undamped.iloc[-1] - undamped.iloc[0]) / (horizon - 1)
    damped_slope = (damped.iloc[-1] - damped.iloc[0]) / (horizon - 1)
    assert undamped_slope == pytest.approx(slope, rel=0.2)
    # Damping flattens the trend but keeps its sign.
    assert 0 < damped_slope / slope <= undamped_slope / slope + 1e-9
    # Both start beyond the last week's average, where the trend has taken demand.
    assert np.sign(undamped.iloc[0] - y[-7:].mean()) == np.sign(slope)
    assert np.sign(damped.iloc[-1] - y[-7:].mean()) == np.sign(slope)


def test_ets_auto_picks_the_seasonal_and_trend_components_the_data_has():
    rng = np.random.default_rng(3)
    n = 300
    series = {"season": 80 + weekly_profile(n) + rng.normal(0, 3, n),
              "trend": 20 + 0.4 * np.arange(n) + rng.normal(0, 2, n),
              "flat": 40 + rng.normal(0, 5, n)}
    model = get_model("ets").fit(long_table(series))
    specs = {uid: model.states_[uid]["spec"] for uid in series}
    assert specs["season"]["seasonal"] == "add"
    assert specs["trend"]["trend"] == "add"
    assert specs["flat"]["seasonal"] is None


def test_ets_uses_no_season_without_two_full_seasons_and_no_mul_season_with_zeros():
    rng = np.random.default_rng(4)
    weekly = long_table({"w": 50 + rng.normal(0, 5, 90)}, freq="W-MON")  # 90 weeks < 2 x 52
    model = get_model("ets", seasonal="add").fit(weekly)
    assert model.states_["w"]["spec"]["seasonal"] is None
    assert np.isfinite(model.predict(10)["ets"]).all()

    y = np.clip(10 + weekly_profile(120) + rng.normal(0, 3, 120), 0, None)
    y[5] = 0
    model = get_model("ets", seasonal="mul").fit(long_table({"z": y}))
    assert model.states_["z"]["spec"]["seasonal"] == "add"  # multiplicative needs sales above 0 throughout
    positive = get_model("ets", seasonal="mul").fit(long_table({"p": y + 5}))
    assert positive.states_["p"]["spec"]["seasonal"] == "mul"
    forecast = positive.predict(14, levels=(80,))
    assert (forecast["ets-lo-80"] <= forecast["ets"]).all() and (forecast["ets"] <= forecast["ets-hi-80"]).all()


# -- SARIMAX -------------------------------------------------------------------------------


def promo_table(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, dict]:
    promo = (rng.random(n) < 0.15).astype(float)
    base = 40 + weekly_profile(n) / 2
    y = base * (1 + 0.5 * promo) + rng.normal(0, 2, n)
    return long_table({"p": y}, price={"p": np.full(n, 9.99)}, promo={"p": promo}), {"base": base}


def test_sarimax_recovers_a_known_promotion_uplift():
    rng = np.random.default_rng(5)
    train, _ = promo_table(rng, 400)
    model = get_model("sarimax", **SARIMAX_FAST).fit(train)
    grid = model.future_grid(28)
    with_promo = model.predict(28, future=grid.assign(promo=1.0))["sarimax"].to_numpy()
    without = model.predict(28, future=grid.assign(promo=0.0))["sarimax"].to_numpy()
    assert with_promo.mean() / without.mean() == pytest.approx(1.5, abs=0.1)
    assert (with_promo > without).all()


def test_sarimax_planned_prices_move_the_forecast_against_the_price():
    rng = np.random.default_rng(6)
    n = 400
    price = np.repeat(rng.choice([8.0, 9.0, 10.0, 11.0, 12.0], n // 10), 10)  # price changes every 10 days
    elasticity_units = -40.0  # units per unit of log price
    y = 100 + elasticity_units * np.log(price / 10) + weekly_profile(n) / 2 + rng.normal(0, 2, n)
    model = get_model("sarimax", **SARIMAX_FAST).fit(long_table({"x": y}, price={"x": price}))
    grid = model.future_grid(14)
    cheap = model.predict(14, future=grid.assign(price=8.0))["sarimax"].to_numpy()
    dear = model.predict(14, future=grid.assign(price=12.0))["sarimax"].to_numpy()
    expected = -elasticity_units * np.log(12 / 8)  # 16.2 units more at the lower price
    assert (cheap > dear).all()
    assert (cheap - dear).mean() == pytest.approx(expected, rel=0.2)


def test_sarimax_defaults_future_drivers_and_says_so():
    rng = np.random.default_rng(7)
    train, _ = promo_table(rng, 200)
    model = get_model("sarimax", **SARIMAX_FAST).fit(train)
    default = model.predict(14)["sarimax"].to_numpy()
    assert any("'promo'" in note for note in model.warnings_)
    assert any("'price'" in note and "last known price" in note for note in model.warnings_)
    explicit = model.predict(14, future=model.future_grid(14).assign(promo=0.0, price=9.99))["sarimax"].to_numpy()
    np.testing.assert_allclose(default, explicit)
    assert model.warnings_ == []  # every driver was planned


def test_sarimax_carries_a_yearly_pattern_on_weekly_data_with_yearly_waves():
    rng = np.random.default_rng(8)
    n = 170
    weeks = np.arange(n)
    y = 100 + 30 * np.sin(2 * np.pi * weeks * 7 / 365.25) + rng.normal(0, 4, n)
    train, test = split(long_table({"w": y}, freq="W-MON"), 26)
    with_waves = get_model("sarimax", **SARIMAX_FAST).fit(train).predict(26)
    without = get_model("sarimax", yearly_terms=0, **SARIMAX_FAST).fit(train).predict(26)
    assert mae(with_waves, test, "sarimax") < 0.5 * mae(without, test, "sarimax")
    assert mae(with_waves, test, "sarimax") < 8


# -- both models -----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "params"), [("ets", {}), ("sarimax", SARIMAX_FAST)])
def test_native_80_percent_intervals_cover_about_80_percent(name, params):
    rng = np.random.default_rng(9)
    n, horizon = 260, 14
    series = {f"s{i:02d}": 100 + weekly_profile(n) + ar1(rng, n, 0.5, 5) for i in range(16)}
    train, test = split(long_table(series), horizon)
    forecast = get_model(name, **params).fit(train).predict(horizon, levels=(80, 95))
    joined = test.merge(forecast, on=["unique_id", "ds"], validate="one_to_one")
    lo80, hi80, lo95, hi95 = (joined[f"{name}-{side}"] for side in ("lo-80", "hi-80", "lo-95", "hi-95"))
    coverage = ((joined["y"] >= lo80) & (joined["y"] <= hi80)).mean()
    assert 0.65 <= coverage <= 0.95, coverage
    assert (lo95 <= lo80).all() and (lo80 <= joined[name]).all()
    assert (joined[name] <= hi80).all() and (hi80 <= hi95).all()


def degenerate_table() -> pd.DataFrame:
    rng = np.random.default_rng(10)
    n = 120
    series = {"zeros": np.zeros(n), "constant": np.full(n, 5.0), "short": np.array([3.0, 4.0, 2.0, 5.0]),
              "tiny": np.array([1.0, 2.0]), "spike": np.r_[np.zeros(n - 1), 40.0],
              "normal": 30 + weekly_profile(n) + rng.normal(0, 3, n)}
    price = {uid: np.full(len(y), 4.5) for uid, y in series.items()}
    price["normal"] = np.where(np.arange(n) % 17 == 0, -1.0, 4.5 + rng.normal(0, 0.2, n))  # a bad negative price
    price["normal"][10] = np.nan
    promo = {uid: (np.arange(len(y)) % 9 == 0).astype(float) for uid, y in series.items()}
    return long_table(series, price=price, promo=promo)


@pytest.mark.parametrize(("name", "params"), [("ets", {}), ("sarimax", SARIMAX_FAST)])
def test_degenerate_series_get_forecasts_and_leak_no_warnings(name, params):
    df = degenerate_table()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = get_model(name, **params).fit(df)
        forecast = model.predict(14, levels=(80, 95))
    leaked = [f"{w.category.__name__}: {w.message} ({w.filename})" for w in caught]
    assert not leaked, leaked
    assert forecast.groupby("unique_id").size().to_dict() == {uid: 14 for uid in df["unique_id"].unique()}
    assert np.isfinite(forecast[name]).all()
    by_series = forecast.groupby("unique_id")[name]
    assert (by_series.get_group("zeros") == 0).all()
    assert (by_series.get_group("constant") == 5).all()
    assert "tiny" in model.fallbacks_ and "at least 4" in model.fallbacks_["tiny"]
    assert set(model.fallbacks_) <= {"tiny", "short"}
    assert by_series.get_group("short").between(0, 10).all()
    assert by_series.get_group("normal").between(15, 60).all()


def test_warnings_stay_silenced_only_inside_the_fit():
    from statsmodels.tools.sm_exceptions import ConvergenceWarning  # noqa: PLC0415

    get_model("ets").fit(degenerate_table())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.warn("still visible", ConvergenceWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["still visible"]


@pytest.mark.parametrize("name", ["ets", "sarimax"])
def test_parallel_fit_gives_the_same_forecasts_as_serial(name, monkeypatch):
    import joblib  # noqa: PLC0415

    calls = []

    class SpyParallel(joblib.Parallel):
        def __call__(self, iterable):
            calls.append(self.n_jobs)
            return super().__call__(iterable)

    monkeypatch.setattr(joblib, "Parallel", SpyParallel)
    rng = np.random.default_rng(11)
    n = 80
    series = {f"s{i}": 20 + i + weekly_profile(n) / 3 + rng.normal(0, 2, n) for i in range(3)}
    df = long_table(series, promo={uid: (np.arange(n) % 11 == 0).astype(float) for uid in series})
    # A generous budget so that both runs try the same orders whatever the machine's load.
    params = {"time_budget": 60.0} if name == "sarimax" else {}
    serial = get_model(name, **params)
    serial.parallel, serial.min_series_for_parallel = True, 2  # but far too little history to pay for workers
    parallel = get_model(name, **params)
    parallel.parallel, parallel.min_series_for_parallel, parallel.min_observations_for_parallel = True, 2, 0
    expected = serial.fit(df).predict(7, levels=(80,))
    assert calls == []
    got = parallel.fit(df).predict(7, levels=(80,))
    assert calls == [-1]  # the series really went to worker processes
    assert parallel.fallbacks_ == {}
    pd.testing.assert_frame_equal(got, expected, rtol=1e-6)


def test_explosive_arima_fits_are_recognised_and_diverged_forecasts_refused():
    from statsmodels.tsa.statespace.sarimax import SARIMAX  # noqa: PLC0415

    from forecasting.models.statistical import check_forecast, explosive  # noqa: PLC0415

    rng = np.random.default_rng(12)
    growing = 1.05 ** np.arange(80) + rng.normal(0, 0.1, 80)  # an AR coefficient above 1 fits this best
    stationary = ar1(rng, 80, 0.5, 1.0)
    fit = {"disp": False, "cov_type": "none"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        explosive_fit = SARIMAX(growing, order=(1, 0, 0), enforce_stationarity=False).fit(**fit)
        stationary_fit = SARIMAX(stationary, order=(1, 0, 0), enforce_stationarity=False).fit(**fit)
    assert explosive(explosive_fit)
    assert not explosive(stationary_fit)
    y = np.array([1.0, 3.0, 2.0])
    assert check_forecast({"mean": np.array([250.0])}, y)["mean"][0] == 250.0
    with pytest.raises(ValueError, match="the forecast diverged"):
        check_forecast({"mean": np.array([301.0])}, y)
