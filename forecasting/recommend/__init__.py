"""Decisions derived from trained forecasts: inventory, pricing, promotions and alerts."""
