"""Dates of the e-commerce shopping events that move demand.

Shared by cleaning (an event-day spike is not an outlier) and, later, by the
feature builder (days to and after each event).
"""

from __future__ import annotations

import pandas as pd

#: Event name -> how its date is found each year.
EVENT_RULES = {
    "618": "June 18 (JD.com anniversary sale)",
    "11.11": "November 11 (Singles' Day)",
    "black_friday": "day after the fourth Thursday of November (US Thanksgiving)",
    "cyber_monday": "Monday after Black Friday",
    "christmas": "December 25 (demand builds in the days before)",
}


def black_friday(year: int) -> pd.Timestamp:
    """The day after US Thanksgiving, the fourth Thursday of November."""
    november = pd.Timestamp(year=year, month=11, day=1)
    first_thursday = november + pd.Timedelta(days=(3 - november.weekday()) % 7)
    return first_thursday + pd.Timedelta(weeks=3, days=1)


def event_dates(years: range | list[int]) -> pd.DataFrame:
    """One row per event and year: columns ``event`` and ``date``."""
    rows = []
    for year in years:
        friday = black_friday(year)
        rows += [
            ("618", pd.Timestamp(year=year, month=6, day=18)),
            ("11.11", pd.Timestamp(year=year, month=11, day=11)),
            ("black_friday", friday),
            ("cyber_monday", friday + pd.Timedelta(days=3)),
            ("christmas", pd.Timestamp(year=year, month=12, day=25)),
        ]
    return pd.DataFrame(rows, columns=["event", "date"])


def event_window_days(start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    """Days within ``start..end`` on or around an event, where demand spikes are expected.

    The window is the event day and the day after, and for Christmas the ten
    days before it (gift shopping).
    """
    events = event_dates(range(start.year, end.year + 1))
    days = []
    for event, date in events.itertuples(index=False):
        before = 10 if event == "christmas" else 1
        days.append(pd.date_range(date - pd.Timedelta(days=before), date + pd.Timedelta(days=1), freq="D"))
    index = days[0].append(days[1:]) if days else pd.DatetimeIndex([])
    return index[(index >= start) & (index <= end)].unique()
