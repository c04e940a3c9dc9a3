"""Streamlit-only helpers of the app: session-state keys, cached library calls, shared widgets.

Pages import from here and from ``forecasting``; ``forecasting`` never imports this package.
"""
