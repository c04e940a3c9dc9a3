"""One real-browser run: the server, headless Chromium, the sample, the default model, the forecast chart.

The screenshot lands in ``test-artifacts/``. Every page is then visited to
check that none shows an exception.
"""

from __future__ import annotations

from browser_support import ROOT, app_server, browser_page, open_page, wait_until_idle

ARTIFACTS = ROOT / "test-artifacts"
EXCEPTION = '[data-testid="stException"]'


def test_load_the_sample_train_the_default_model_and_see_the_forecast():
    ARTIFACTS.mkdir(exist_ok=True)
    with app_server() as (url, _, _), browser_page() as page:
        page.goto(url)
        page.get_by_text("sales.csv (bundled sample)").first.wait_for(timeout=60_000)
        wait_until_idle(page)
        assert page.locator(EXCEPTION).count() == 0

        open_page(page, "Train")
        page.get_by_role("button", name="Train").click()
        page.get_by_role("link", name="See the forecasts").wait_for(timeout=180_000)
        wait_until_idle(page)
        assert page.locator(EXCEPTION).count() == 0

        open_page(page, "Forecast")
        chart = page.locator(".js-plotly-plot").first
        chart.wait_for(timeout=60_000)
        assert "Total: forecast and backtest" in chart.inner_text()
        page.screenshot(path=str(ARTIFACTS / "browser_forecast.png"), full_page=True)

        for title in ("Explore", "Review", "Inventory", "Pricing", "Promotions", "Alerts"):
            open_page(page, title)
            assert page.locator(EXCEPTION).count() == 0, title
            assert "Train a model first" not in page.inner_text("body"), title
        page.screenshot(path=str(ARTIFACTS / "browser_last_page.png"), full_page=True)
