"""Demand-forecasting studio library for e-commerce sales."""
