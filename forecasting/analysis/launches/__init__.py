"""New products (cold start): a forecast for a SKU with no sales yet, from its text and its nearest neighbours.

``text`` turns product names, descriptions and attributes into one embedding per product (TF-IDF on words
and character n-grams, truncated SVD, no download); ``curves`` cuts each product's first periods after its
launch (first period with sales); ``forecaster`` averages the launch curves of a new product's most similar
products, scaled by price, with intervals from the same method's errors on past launches; ``backtest``
hides the products launched in the last year and scores the text forecast against the category average of
launches; ``table`` reads a new-products file. This package sits on the analysis floor and imports only
``data``, ``schema`` and ``errors``.
"""

from .backtest import LaunchBacktest, launch_backtest
from .forecaster import LaunchConfig, LaunchForecast, forecast_launches
from .table import read_new_products
from .text import embed_products, product_texts, products_from_sales

__all__ = [
    "LaunchBacktest", "LaunchConfig", "LaunchForecast", "embed_products", "forecast_launches", "launch_backtest",
    "product_texts", "products_from_sales", "read_new_products",
]
