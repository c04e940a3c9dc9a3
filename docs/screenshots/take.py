"""Screenshots of every page after training, on the bundled sample and on a real upload (Superstore).

    .venv/bin/python docs/screenshots/take.py [--superstore PATH] [--only sample|superstore]

Starts the app's server and headless Chromium (the browser test's helpers), drives the
app as a user would and writes ``docs/screenshots/<dataset>_<page>.png``. The Superstore
file is the public orders export (``../shared/data/superstore_orders.csv`` in the
workspace); it is uploaded through the Data page, mapped to sub-categories by week,
and trained with gradient boosting, as the README's recipe says.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from PIL import Image  # installed with Streamlit

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests" / "app"))

from browser_support import app_server, browser_page, open_page, wait_until_idle  # noqa: E402

PAGES = ("Data", "Explore", "Train", "Forecast", "New products", "Review", "Runs", "Inventory", "Pricing", "Promotions",
         "Alerts")
EXCEPTION = '[data-testid="stException"]'


def shoot(page, name: str) -> None:
    wait_until_idle(page)
    page.wait_for_timeout(1500)  # let Plotly finish drawing
    if page.locator(EXCEPTION).count():
        raise RuntimeError(f"{name}: the page shows an exception")
    path = HERE / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    # A 256-colour palette keeps the picture and a third of the bytes (the repository carries twenty of them).
    Image.open(path).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size / 1024:.0f} KB)")


def set_multiselect(page, key: str, values: list[str]) -> None:
    """Replace the choices of the multiselect whose widget key is ``key``."""
    box = page.locator(f".st-key-{key}")
    remove = box.locator('button[aria-label^="Remove "]')
    while remove.count():
        remove.first.click()
        wait_until_idle(page)
    for value in values:
        box.get_by_role("combobox").fill(value)
        page.get_by_role("option", name=value, exact=True).first.click()
        wait_until_idle(page)
    page.keyboard.press("Escape")


def choose(page, key: str, option: str) -> None:
    """Pick ``option`` in the selectbox whose widget key is ``key``."""
    page.locator(f".st-key-{key}").get_by_role("combobox").click()
    page.get_by_role("option", name=option, exact=True).first.click()
    wait_until_idle(page)


def train(page, models: list[str] | None = None) -> None:
    open_page(page, "Train")
    if models:
        set_multiselect(page, "train_chosen_models", models)
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_role("link", name="See the forecasts").wait_for(timeout=900_000)
    wait_until_idle(page)


def every_page(page, dataset: str) -> None:
    for title in PAGES:
        open_page(page, title, timeout=300_000)
        shoot(page, f"{dataset}_{title.lower().replace(' ', '_')}")


def sample(url: str) -> None:
    with browser_page(height=1600) as page:
        page.goto(url)
        page.get_by_text("sales.csv (bundled sample)").first.wait_for(timeout=120_000)
        wait_until_idle(page)
        train(page)
        every_page(page, "sample")


def superstore(url: str, path: Path) -> None:
    with browser_page(height=1600) as page:
        page.goto(url)
        page.get_by_text("sales.csv (bundled sample)").first.wait_for(timeout=120_000)
        wait_until_idle(page)
        page.get_by_text("Upload a file").click()
        wait_until_idle(page)
        page.locator('input[type="file"]').first.set_input_files(str(path))
        page.get_by_text("Series id columns").first.wait_for(timeout=120_000)
        wait_until_idle(page)
        set_multiselect(page, "data_map_ids", ["Sub-Category"])
        choose(page, "data_map_freq", "Weekly")
        page.get_by_text("17 series").first.wait_for(timeout=120_000)
        train(page, ["Gradient boosting (LightGBM, global) (machine learning)"])
        every_page(page, "superstore")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--superstore", type=Path, default=ROOT.parent / "shared" / "data" / "superstore_orders.csv")
    parser.add_argument("--only", choices=("sample", "superstore"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as store:  # a fresh workspace store: no runs from earlier sessions
        os.environ["FORECASTING_STORE"] = f"sqlite:///{store}/studio.db"
        with app_server(timeout=120) as (url, _, _):
            if args.only in (None, "sample"):
                sample(url)
            if args.only in (None, "superstore"):
                superstore(url, args.superstore)


if __name__ == "__main__":
    main()
