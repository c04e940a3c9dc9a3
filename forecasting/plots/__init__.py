"""Plotly figure builders and the stakeholder HTML report: each builder takes library results, returns a figure.

``style`` holds the shared look (colours per role, layout, the blank figure
every builder starts from); ``explore`` draws the Data and Explore pages'
charts, ``forecast`` the Forecast page's, ``review``, ``inventory``,
``pricing`` and ``launches`` (new products) those of their pages; ``report`` writes a self-contained HTML page.
Builders only draw: every number comes from the results they are given. This
floor may import ``recommend``, ``analysis``, ``evaluation``, ``models``,
``data``, ``schema`` and ``errors``, and never Streamlit.
"""
