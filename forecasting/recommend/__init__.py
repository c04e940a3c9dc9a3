"""Decisions derived from trained forecasts: inventory, pricing, promotions and alerts.

``products`` reads the products file (costs, lead times, stock) with stated
defaults; ``inventory`` and ``simulation`` turn the forecast and its backtest
errors into a stock policy and replay it; ``elasticity``, ``pricing``,
``scenarios``, ``promotions`` and ``promo_history`` answer price and promotion
what-ifs from the models that use those drivers, beside the history-based
estimate; ``alerts`` ranks exceptions by money at stake; ``inputs`` and
``pooling`` are their shared parts. This floor may import ``analysis``,
``evaluation``, ``models``, ``data``, ``schema`` and ``errors``.
"""
