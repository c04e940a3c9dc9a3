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

        # The future plan: halve every price for the whole horizon and forecast with it (no retraining).
        total = page.locator('[data-testid="stMetric"]').filter(has_text="over the next")
        before = total.locator('[data-testid="stMetricValue"]').inner_text()
        page.get_by_role("tab", name="Future plan").click()
        page.get_by_role("button", name="Set", exact=True).wait_for(timeout=60_000)
        page.locator('input[aria-label="Value"]').fill("1")
        page.get_by_role("button", name="Set", exact=True).click()
        wait_until_idle(page)
        page.get_by_role("button", name="Forecast with this plan").click()
        wait_until_idle(page)
        page.wait_for_function(
            "(before) => { const m = [...document.querySelectorAll('[data-testid=\"stMetric\"]')]"
            ".find(e => e.innerText.includes('over the next'));"
            " return m && m.querySelector('[data-testid=\"stMetricValue\"]').innerText !== before; }",
            arg=before, timeout=120_000)
        assert page.locator(EXCEPTION).count() == 0
        page.screenshot(path=str(ARTIFACTS / "browser_plan.png"), full_page=True)

        for title in ("Explore", "New products", "Review", "Runs", "Inventory", "Pricing", "Promotions", "Alerts"):
            open_page(page, title)
            assert page.locator(EXCEPTION).count() == 0, title
            assert "Train a model first" not in page.inner_text("body"), title
        page.screenshot(path=str(ARTIFACTS / "browser_last_page.png"), full_page=True)
