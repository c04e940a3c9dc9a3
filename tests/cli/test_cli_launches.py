"""``forecast ... --new-products FILE``: launch forecasts of new SKUs, and one-line errors for bad files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from forecasting.synthetic import SyntheticConfig, generate

ROOT = Path(__file__).parents[2]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "forecasting", *args], capture_output=True, text=True, cwd=ROOT)


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """A small generated shop with launches: sales with names (Superstore-style), and its products file."""
    data = generate(SyntheticConfig(n_skus=30, n_categories=2, start="2024-01-01", end="2025-06-30", seed=5,
                                    dirty=False, launches=True))
    folder = tmp_path_factory.mktemp("launch")
    names = data.products.set_index("sku")["name"]
    sales = data.sales.assign(product_name=data.sales["sku"].map(names))
    paths = {"sales": folder / "sales.csv", "bare": folder / "bare.csv", "products": folder / "products.csv"}
    sales[["date", "sku", "product_name", "category", "units", "price"]].to_csv(paths["sales"], index=False)
    data.sales[["date", "sku", "category", "units"]].to_csv(paths["bare"], index=False)
    data.products.to_csv(paths["products"], index=False)
    return paths


def _forecast(sales: Path, new: Path, *extra: str) -> subprocess.CompletedProcess:
    return _run("forecast", str(sales), "--model", "moving_average", "--horizon", "8", "--freq", "W",
                "--new-products", str(new), *extra)


def test_new_products_are_forecast_from_the_names_in_the_sales_file(files, tmp_path):
    new = tmp_path / "new.csv"
    pd.DataFrame({"sku": ["NEW-1", "NEW-2"], "name": ["Sunfield Pasta Sauce Large", "Brickly Puzzle Mini"],
                  "category": ["Grocery", "Toys"], "price": [3.49, None]}).to_csv(new, index=False)
    out, neighbours = tmp_path / "f.csv", tmp_path / "n.csv"
    done = _forecast(files["sales"], new, "--out", str(out), "--neighbours", str(neighbours))
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out, parse_dates=["ds"])
    launches = table[table["unique_id"].isin(["NEW-1", "NEW-2"])]
    assert len(launches) == 16 and set(launches["model"]) == {"similar_launches"}
    assert launches["ds"].min() > table.loc[table["model"] != "similar_launches", "ds"].min() - pd.Timedelta(days=1)
    assert (launches["yhat_lo_80"] <= launches["yhat"]).all() and (launches["yhat"] <= launches["yhat_hi_95"]).all()
    assert table["unique_id"].nunique() == 32  # 30 series and 2 new products
    near = pd.read_csv(neighbours)
    assert list(near.columns[:4]) == ["unique_id", "rank", "neighbour", "text"]
    assert (near.groupby("unique_id").size() == 10).all()
    assert "note [new products]" in done.stderr


def test_a_products_file_gives_the_names_when_the_sales_file_has_none(files, tmp_path):
    new = tmp_path / "new.csv"
    new.write_text("id,description\nN1,large pasta sauce\n")
    done = _forecast(files["bare"], new, "--products", str(files["products"]))
    assert done.returncode == 0, done.stderr
    assert "N1,20" in done.stdout  # printed with the forecast (dates follow the id)


@pytest.mark.parametrize(("content", "words"), [
    ("sku,price\nN1,3\n", "no name or description column"),
    ("", "empty"),
    ("sku,name\nN1,a\nN1,b\n", "repeat"),
    ("sku,name,price\nN1,a,cheap\n", "not numbers"),
    ("sku,name\nSKU-001,pasta\n", "periods of sales or more"),
])
def test_bad_new_products_files_exit_2_with_one_line(files, tmp_path, content, words):
    new = tmp_path / "new.csv"
    new.write_text(content)
    done = _forecast(files["sales"], new)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith("error: ") and words in done.stderr
    assert "Traceback" not in done.stderr


def test_sales_without_names_and_no_products_file_is_refused(files, tmp_path):
    new = tmp_path / "new.csv"
    new.write_text("sku,name\nN1,pasta\n")
    done = _forecast(files["bare"], new)
    assert done.returncode == 2 and "--products" in done.stderr


def test_launch_flags_without_new_products_are_refused_before_any_work(files):
    done = _run("forecast", str(files["sales"]), "--model", "moving_average", "--horizon", "8",
                "--products", str(files["products"]))
    assert done.returncode == 2 and "--products needs --new-products" in done.stderr


def test_a_new_sku_that_sold_a_few_weeks_gets_only_its_launch_forecast(files, tmp_path):
    sales = pd.read_csv(files["sales"], parse_dates=["date"])
    recent = (sales["sku"] == sales["sku"].iloc[0]) & (sales["date"] >= sales["date"].max() - pd.Timedelta(days=20))
    young = sales[recent].assign(sku="YOUNG-1", product_name="Sunfield Pasta Sauce Large")
    path = tmp_path / "sales.csv"
    pd.concat([sales, young]).to_csv(path, index=False)
    new = tmp_path / "new.csv"
    new.write_text("sku,name,category\nYOUNG-1,Sunfield Pasta Sauce Large,Grocery\n")
    out = tmp_path / "f.csv"
    done = _forecast(path, new, "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out)
    rows = table[table["unique_id"] == "YOUNG-1"]
    assert set(rows["model"]) == {"similar_launches"} and 0 < len(rows) < 8
    assert "replaces the model's for 1 series" in done.stderr
