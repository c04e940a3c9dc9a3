"""Seeded generator of realistic e-commerce demand with known ground truth (tests, benchmarks, the sample).

``profiles`` holds the category traits and calendar rules, ``generator`` draws
sales, products and order lines and records every true parameter and injected
defect, and ``python -m forecasting.synthetic FOLDER`` writes the sample files.
It stands beside the data floor and may import only ``errors``, so tests can
check any floor against data whose truth is known.
"""

from .generator import SyntheticConfig, SyntheticData, generate, write_sample

__all__ = ["SyntheticConfig", "SyntheticData", "generate", "write_sample"]
