"""How good is a model, and what does it forecast: backtests, metrics, intervals, forecasts and training runs.

``crossval`` fits a fresh copy of a model at each window cutoff; ``backtest``
scores models on the last K windows against seasonal naive; ``metrics`` are
pure functions over the backtest table (MASE, WAPE, bias, coverage ...);
``intervals`` sizes conformal intervals from earlier windows' errors;
``forecast`` fits on all the history and forecasts with intervals;
``training`` is one run as the app and the decisions need it (backtest, fit,
forecast, with a run id); ``persistence`` saves a fitted model as JSON and
Parquet (LightGBM's trees as its text model) and loads it; ``distributed``
runs backtests and forecasts over partitions of series, on a Dask cluster
when asked. This floor may import ``models``,
``data``, ``schema`` and ``errors``.
"""
