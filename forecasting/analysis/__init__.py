"""Reading data and forecasts: levels, exploration, review, manual adjustments and explanations.

``hierarchy`` is the one vocabulary of levels (total, category, series) and a
trained run seen at a level; ``explore`` describes demand before modelling
(decomposition, profiles, price and promotion response, ABC/XYZ);
``review`` ranks series by what the model missed; ``adjustments`` applies and
audits manual changes; ``explain`` says which features and drivers a model
relies on; ``diagnostics`` breaks errors down by step ahead; ``launches``
forecasts new products (no sales yet) from their text and similar products. This floor may
import ``evaluation``, ``models``, ``data``, ``schema`` and ``errors``.
"""
