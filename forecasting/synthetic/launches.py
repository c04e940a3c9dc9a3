"""New products for the generator: demand levels that the product text names, and launches inside the span.

With ``SyntheticConfig(launches=True)`` every SKU gets a size tier. Its demand level comes from the tier
(slow movers are the trial size, fast movers the family pack, the others draw small, regular or large), and
the tier's words are added to its name and description, so a text model can learn the level from words
alone. About 40% of the SKUs launch inside the span: no demand (and no sales rows) before the launch day,
then demand ramps up as ``1 - exp(-(days since launch + 1) / 14)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

#: Size tier -> typical daily demand level of an ordinary SKU of that tier (slow and fast movers keep theirs).
SIZE_TIERS = {"trial sachet": None, "mini": 4.0, "regular": 12.0, "large": 30.0, "family mega pack": None}
ORDINARY_TIERS = ("mini", "regular", "large")
LAUNCH_SHARE = 0.4
RAMP_DAYS = 14
#: A launch leaves at least this many days of sales before the span ends.
MIN_DAYS_AFTER_LAUNCH = 140
LAUNCH_RULE = ("launched SKUs have no demand before launch_date, then mu is multiplied by "
               f"1 - exp(-(days since launch + 1) / {RAMP_DAYS}); base = tier level * lognormal(0, 0.2) for "
               "mini / regular / large SKUs")


@dataclass(frozen=True)
class LaunchPlan:
    """Re-levelled SKU specs, each SKU's tier, and the launch day (index) of the launched SKUs."""

    specs: list = field(default_factory=list)
    tier: dict[str, str] = field(default_factory=dict)
    launch: dict[str, int] = field(default_factory=dict)

    def launch_dates(self, dates: pd.DatetimeIndex) -> dict[str, pd.Timestamp]:
        """First day on sale of every SKU (the span's first day when it did not launch inside it)."""
        return {s.sku: dates[self.launch.get(s.sku, 0)] for s in self.specs}


def launch_plan(config, specs: list, n_days: int) -> LaunchPlan:
    """Tiers, levels and launch days, from their own seeded stream (the other draws stay as they were)."""
    rng = np.random.default_rng(np.random.SeedSequence([config.seed, 14]))
    out, tiers = [], {}
    for spec in specs:
        if spec.intermittent:
            tier = "trial sachet"
        elif spec.fast_mover:
            tier = "family mega pack"
        else:
            tier = str(rng.choice(ORDINARY_TIERS))
            spec = replace(spec, base=float(SIZE_TIERS[tier] * rng.lognormal(0.0, 0.2)))
        tiers[spec.sku] = tier
        out.append(spec)
    n_launched = round(LAUNCH_SHARE * len(specs))
    launched = rng.choice(len(specs), size=n_launched, replace=False) if n_launched else []
    latest = max(n_days // 4 + 1, n_days - MIN_DAYS_AFTER_LAUNCH)
    days = rng.integers(n_days // 4, latest, size=len(launched))
    launch = {specs[int(i)].sku: int(d) for i, d in zip(launched, days, strict=True)}
    return LaunchPlan(out, tiers, launch)


def launch_ramp(n_days: int, launch: int) -> np.ndarray:
    """0 before ``launch``, then a ramp up to 1."""
    since = np.arange(n_days) - launch
    return np.where(since >= 0, 1 - np.exp(-(since + 1) / RAMP_DAYS), 0.0)


def tiered_products(products: pd.DataFrame, plan: LaunchPlan) -> pd.DataFrame:
    """Products with the tier's words in the name and description."""
    tier = products["sku"].map(plan.tier)
    return products.assign(
        name=products["name"] + " " + tier.str.title(),
        description=products["description"].str.rstrip(".") + ", " + tier + " size.",
    )


def tiered_truth(truth: dict, plan: LaunchPlan, dates: pd.DatetimeIndex) -> dict:
    """The ground truth with ``size_tier`` and ``launch_date`` per SKU and the launch rule."""
    skus = {sku: {**entry, "size_tier": plan.tier[sku],
                  "launch_date": dates[plan.launch[sku]].strftime("%Y-%m-%d") if sku in plan.launch else None}
            for sku, entry in truth["skus"].items()}
    return {**truth, "config": {**truth["config"], "launches": True}, "skus": skus, "launch_rule": LAUNCH_RULE}
