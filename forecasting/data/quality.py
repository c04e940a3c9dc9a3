"""The data-quality report: what is in the long table that cleaning or the user should know."""

from __future__ import annotations

import pandas as pd

from ..schema import DS, PRICE, UID, Y, freq_family
from .cleaning import find_gaps, find_outliers, find_stockouts
from .issues import Issue, examples

INTERMITTENT_ZERO_SHARE = 0.5
SPARSE_SHARE = 0.2


def quality_issues(frame: pd.DataFrame, freq: str, *, duplicate_lines: int = 0) -> list[Issue]:
    """Findings about a long table, before cleaning; each says what cleaning will do about it.

    ``duplicate_lines``: exact duplicate order lines found before aggregation
    (for a panel, duplicates are counted in ``frame`` itself).
    """
    found: list[Issue] = []
    duplicates = int(frame.duplicated().sum()) + duplicate_lines
    if duplicates:
        found.append(Issue("duplicates", f"{duplicates} row(s) repeat another row exactly (row numbers aside); "
                           "cleaning removes them.", duplicates))
    unique = frame.drop_duplicates()
    missing = int(unique[Y].isna().sum())
    if missing:
        found.append(Issue("missing_values", f"{missing} period(s) have no sales value; cleaning fills them.", missing))
    gaps = find_gaps(unique, freq)
    if len(gaps):
        series = gaps.get_level_values(0).unique()
        found.append(Issue("gaps", f"{len(gaps)} period(s) are missing inside {len(series)} series "
                           f"({examples(series.tolist())}); cleaning adds them as zero or unknown.", len(gaps)))
    negative = unique[Y] < 0
    if negative.any():
        found.append(Issue("negative_values", f"{int(negative.sum())} negative sales value(s) (returns?) in "
                           f"{unique.loc[negative, UID].nunique()} series; cleaning sets them to zero by default.",
                           int(negative.sum())))
    stockouts = find_stockouts(unique)
    if stockouts.any():
        found.append(Issue("stockouts", f"{int(stockouts.sum())} period(s) sold nothing while stock was zero; "
                           "that is unknown demand, not zero demand, and cleaning treats it so.", int(stockouts.sum())))
    outliers = find_outliers(unique.sort_values([UID, DS]), freq)
    if outliers.any():
        ids = unique.loc[outliers[outliers].index, UID].unique()
        found.append(Issue("outliers", f"{int(outliers.sum())} value(s) are far from their neighbours in "
                           f"{len(ids)} series ({examples(ids.tolist())}); promotions and shopping events "
                           "are not counted.", int(outliers.sum())))
    found.extend(_series_findings(unique))
    sparse = _sparse_share(unique, freq, len(gaps))
    if sparse is not None:
        found.append(sparse)
    if PRICE in unique.columns and unique[PRICE].isna().any():
        n = int(unique[PRICE].isna().sum())
        found.append(Issue("missing_prices", f"{n} period(s) have no price; cleaning carries the nearest known "
                           "price.", n))
    return found


def _sparse_share(frame: pd.DataFrame, freq: str, n_gaps: int) -> Issue | None:
    """Most series sell in few periods: a coarser frequency or a higher level forecasts better."""
    total = len(frame) + n_gaps  # every period inside each series' span
    share = float((frame[Y] > 0).sum() / total) if total else 1.0
    if share >= SPARSE_SHARE or frame[UID].nunique() < 2:
        return None
    hint = "weekly or monthly periods ({freq:W or M})" if freq_family(freq) != "M" else "a higher level ({ids})"
    return Issue("sparse", f"Series sell in only {share:.0%} of their periods", int(frame[UID].nunique()),
                 fix=f"forecasts are more reliable with {hint} or at a higher level such as a category ({{ids}}).")


def _series_findings(frame: pd.DataFrame) -> list[Issue]:
    found = []
    by_series = frame.groupby(UID, observed=True)[Y]
    zero_share = (frame[Y].fillna(0) == 0).groupby(frame[UID], observed=True).mean()  # vectorised: 100k series
    intermittent = zero_share[zero_share > INTERMITTENT_ZERO_SHARE]
    if len(intermittent):
        found.append(Issue("intermittent", f"{len(intermittent)} series sell nothing in more than half of the "
                           f"periods ({examples(intermittent.index.tolist())}); Croston-type models suit them.",
                           len(intermittent), "info"))
    constant = by_series.nunique()
    constant = constant[constant <= 1]
    if len(constant):
        found.append(Issue("constant_series", f"{len(constant)} series never change value "
                           f"({examples(constant.index.tolist())}); their forecast is that value.", len(constant),
                           "info"))
    return found
