"""Dashboard timings in a real browser: start-up, page switches, and training the default model on the sample.

Starts ``streamlit run app.py``, opens it in headless Chromium (Playwright,
Debian's chromium) and times what a user waits for:

- server start until it answers, and until the first page shows the loaded sample;
- each page switch (click in the sidebar until the script has finished);
- training the default model on the sample (click Train until the leaderboard shows);
- peak resident memory of the server process.

Results go to ``bench/results/app.md``. Usage: python bench/bench_app.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser_support import IDLE, app_server, browser_page, open_page, wait_until_idle  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PAGES = ["Explore", "Train", "Forecast", "New products", "Review", "Runs", "Inventory", "Pricing", "Promotions", "Alerts",
         "Data"]


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory of the server process (Linux: VmHWM in /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure(repeats: int) -> dict:
    with app_server() as (url, server_seconds, pid), browser_page() as page:
        started = time.perf_counter()
        page.goto(url)
        page.get_by_role("heading", name="Data").first.wait_for(timeout=60_000)
        title = time.perf_counter() - started
        page.get_by_text("sales.csv (bundled sample)").first.wait_for(timeout=60_000)
        page.wait_for_selector(IDLE, timeout=60_000)
        first = time.perf_counter() - started
        wait_until_idle(page)
        open_page(page, "Train")
        train = timed(lambda: (page.get_by_role("button", name="Train").click(),
                               page.get_by_role("link", name="See the forecasts").wait_for(timeout=300_000),
                               page.wait_for_selector(IDLE, timeout=60_000)))
        wait_until_idle(page)
        switches: dict[str, list[float]] = {name: [] for name in PAGES}
        for _ in range(repeats):
            for name in PAGES:
                switches[name].append(open_page(page, name))
        return {"server": server_seconds, "title": title, "first_page": first, "train": train,
                "switches": switches, "rss_mb": peak_rss_mb(pid)}


def report(result: dict, repeats: int) -> str:
    lines = ["# Dashboard timings (headless Chromium, bundled sample)", "",
             f"Measured {time.strftime('%Y-%m-%d %H:%M')}, {repeats} rounds of page switches; "
             "each switch is a click in the sidebar until the script has finished.", "",
             "| what | seconds |", "|---|---:|",
             f"| server start until it answers | {result['server']:.2f} |",
             f"| opening the URL until the Data page's title shows | {result['title']:.2f} |",
             f"| opening the URL until the sample is loaded and the page finished | {result['first_page']:.2f} |",
             f"| app start to first rendered page (server + title) | {result['server'] + result['title']:.2f} |",
             f"| train the default model (ridge, 28 days, 3 windows): click to leaderboard | {result['train']:.2f} |"]
    for name, values in result["switches"].items():
        lines.append(f"| switch to {name} (median, max) | {statistics.median(values):.2f} ({max(values):.2f}) |")
    lines += ["", f"Server peak memory: {result['rss_mb']:.0f} MB resident."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    text = report(measure(args.repeats), args.repeats)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "app.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
