"""The pricing page's response chart marks the prices a series never sold at."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.plots.pricing import price_response_figure
from forecasting.schema import PRICE


def curve(extrapolated: np.ndarray) -> pd.DataFrame:
    price = np.linspace(7.0, 13.0, len(extrapolated))
    units = 100 * (price / 10) ** -2.0
    out = pd.DataFrame({PRICE: price, "units": units, "units_lo": units * 0.9, "units_hi": units * 1.1,
                        "units_model": units, "model_extrapolated": extrapolated, "in_bounds": True,
                        "current_price": 10.0, "unit_cost": 5.0})
    for kind in ("", "_model"):
        out[f"revenue{kind}"] = out[f"units{kind}"] * price
        out[f"profit{kind}"] = out[f"units{kind}"] * (price - 5.0)
    return out


def unseen_shading(fig) -> list[tuple[float, float]]:
    return [(shape.x0, shape.x1) for shape in fig.layout.shapes
            if shape.type == "rect" and shape.fillcolor == "rgba(120,120,120,0.10)"]


def test_prices_beyond_the_history_are_greyed_on_both_sides_and_said_why():
    inside = np.array([True] * 3 + [False] * 7 + [True] * 3)  # below 8.5 and above 11.5: never sold at
    fig = price_response_figure(curve(inside), 10.0, title="A-1")
    spans = sorted(set(unseen_shading(fig)))
    assert [(round(a, 2), round(b, 2)) for a, b in spans] == [(7.0, 8.5), (11.5, 13.0)]
    assert any("never sold at" in (note.text or "") for note in fig.layout.annotations)


def test_a_history_covering_the_whole_grid_greys_nothing():
    fig = price_response_figure(curve(np.zeros(13, bool)), 10.0, title="A-1")
    assert unseen_shading(fig) == []
