"""The forecast API as a client sees it: a real ``python -m forecasting serve`` process on 127.0.0.1, httpx.

Runs are trained with the command line on a generated file and on the bundled
sample; the API's answers are compared with what ``forecast`` prints for the
same data, model and plan.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest

from forecasting.cli import main
from tests.conftest import synthetic_long

ROOT = Path(__file__).parent.parent.parent
SAMPLE = ROOT / "sample_data" / "sales.csv"
KEY = "test-key-7"
VALUES = ["yhat", "yhat_lo_80", "yhat_hi_80", "yhat_lo_95", "yhat_hi_95"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url: str, *extra: str, key: str | None = KEY) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("FORECASTING_API_KEY", None)
    if key:
        env["FORECASTING_API_KEY"] = key
    server = subprocess.Popen([sys.executable, "-m", "forecasting", "serve", "--store", url, "--port", str(port),
                               *extra], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server exited: {server.stderr.read()}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return server, base
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise AssertionError("the server did not answer /health within 60 s")


def cli_csv(argv: list[str], capsys) -> pd.DataFrame:
    capsys.readouterr()
    assert main(argv) == 0
    return pd.read_csv(io.StringIO(capsys.readouterr().out))


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A store with run ``weekly`` (ridge on a generated file) and ``sample`` (seasonal naive on the sample),
    and a server on it; stopped after the module."""
    folder = tmp_path_factory.mktemp("api")
    frame = synthetic_long(n_skus=4, start="2024-01-01", end="2024-12-31").rename(
        columns={"unique_id": "sku", "ds": "date", "y": "units"})
    frame.to_csv(folder / "sales.csv", index=False)
    url = str(folder / "studio.db")
    assert main(["train", str(folder / "sales.csv"), "--model", "ridge", "--horizon", "7", "--folds", "2",
                 "--name", "weekly", "--store", url]) == 0
    assert main(["train", str(SAMPLE), "--model", "seasonal_naive", "--horizon", "7", "--folds", "2",
                 "--name", "sample", "--store", url]) == 0
    server, base = start_server(url)
    with httpx.Client(base_url=base, headers={"X-API-Key": KEY}, timeout=120) as client:
        yield {"client": client, "base": base, "folder": folder, "url": url}
    server.terminate()
    server.wait(timeout=30)


def test_health_needs_no_key_and_everything_else_does(served):
    base = served["base"]
    assert httpx.get(f"{base}/health").json() == {"status": "ok"}
    assert httpx.get(f"{base}/runs").status_code == 401
    assert httpx.get(f"{base}/runs", headers={"X-API-Key": "wrong"}).status_code == 401
    assert httpx.post(f"{base}/runs/weekly/forecast", json={}).status_code == 401
    assert httpx.get(f"{base}/docs").status_code == 200
    assert "/runs/{name}/forecast" in httpx.get(f"{base}/openapi.json").json()["paths"]


def test_runs_are_the_same_objects_as_runs_json(served, capsys):
    capsys.readouterr()
    assert main(["runs", "--store", served["url"], "--json"]) == 0
    assert served["client"].get("/runs").json() == json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("run, data, model", [("weekly", "sales.csv", "ridge"), ("sample", None, "seasonal_naive")])
def test_the_default_forecast_equals_the_forecast_command(served, capsys, run, data, model):
    path = str(served["folder"] / data) if data else str(SAMPLE)
    expected = cli_csv(["forecast", path, "--model", model, "--horizon", "7"], capsys)
    answer = served["client"].post(f"/runs/{run}/forecast", json={}).json()
    assert (answer["run"], answer["version"]) == (run, 1)
    got = pd.DataFrame(answer["forecast"])
    assert len(got) == len(expected)
    assert got["unique_id"].tolist() == expected["unique_id"].astype(str).tolist()
    assert got["ds"].tolist() == expected["ds"].tolist()
    assert np.allclose(got[VALUES].to_numpy(float), expected[VALUES].to_numpy(float), atol=1e-6)


def test_some_series_and_a_shorter_horizon(served):
    answer = served["client"].post("/runs/weekly/forecast", json={"unique_ids": ["SKU-003", "SKU-001"],
                                                                  "horizon": 3}).json()
    rows = pd.DataFrame(answer["forecast"])
    assert rows["unique_id"].tolist() == ["SKU-003"] * 3 + ["SKU-001"] * 3
    assert rows["ds"].tolist()[:3] == ["2025-01-01", "2025-01-02", "2025-01-03"]
    full = pd.DataFrame(served["client"].post("/runs/weekly/forecast", json={}).json()["forecast"])
    first = full[full["unique_id"] == "SKU-003"].head(3)
    assert np.allclose(rows[VALUES].head(3).to_numpy(float), first[VALUES].to_numpy(float))


def test_a_what_if_plan_equals_the_forecast_command_with_that_plan(served, capsys):
    plan = pd.DataFrame({"sku": ["SKU-001"] * 3 + ["SKU-002"] * 2,
                         "date": ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-01", "2025-01-05"],
                         "price": [20.0, 20.0, 20.0, 99.0, 99.0], "promo": [1.0, 1.0, 1.0, 0.0, 0.0]})
    plan.to_csv(served["folder"] / "plan.csv", index=False)
    expected = cli_csv(["forecast", str(served["folder"] / "sales.csv"), "--model", "ridge", "--horizon", "7",
                        "--future", str(served["folder"] / "plan.csv")], capsys)
    future = [{"unique_id": r.sku, "ds": r.date, "price": r.price, "promo": r.promo} for r in plan.itertuples()]
    response = served["client"].post("/runs/weekly/forecast", json={"future": future})
    assert response.status_code == 200, response.text
    got = pd.DataFrame(response.json()["forecast"])
    assert np.allclose(got[VALUES].to_numpy(float), expected[VALUES].to_numpy(float), atol=1e-6)
    default = pd.DataFrame(served["client"].post("/runs/weekly/forecast", json={}).json()["forecast"])
    planned = (got["unique_id"] == "SKU-001") & got["ds"].isin(["2025-01-01", "2025-01-02", "2025-01-03"])
    assert not np.allclose(got.loc[planned, "yhat"], default.loc[planned, "yhat"])  # the plan changed the answer
    untouched = got["unique_id"].isin(["SKU-003", "SKU-004"])
    assert np.allclose(got.loc[untouched, "yhat"], default.loc[untouched, "yhat"])


@pytest.mark.parametrize("body, status, loc", [
    ({"horizon": 8}, 422, ["body", "horizon"]),
    ({"horizon": 0}, 422, ["body", "horizon"]),
    ({"future": [{"unique_id": "SKU-001", "ds": "2025-13-01"}]}, 422, ["body", "future", 0, "ds"]),
    ({"future": [{"unique_id": "SKU-001", "ds": "2026-01-01"}]}, 422, ["body", "future", 0, "ds"]),
    ({"future": [{"unique_id": "SKU-001", "ds": "2025-01-01", "temperature": 3}]}, 422,
     ["body", "future", 0, "temperature"]),
    ({"futures": []}, 422, ["body", "futures"]),
])
def test_a_bad_body_is_422_naming_the_field(served, body, status, loc):
    response = served["client"].post("/runs/weekly/forecast", json=body)
    assert response.status_code == status
    [error] = response.json()["detail"]
    assert error["loc"] == loc and error["msg"]


def test_unknown_run_or_series_is_404(served):
    client = served["client"]
    response = client.post("/runs/monthly/forecast", json={})
    assert response.status_code == 404 and "monthly" in response.json()["detail"]
    response = client.post("/runs/weekly/forecast", json={"unique_ids": ["SKU-001", "SKU-999"]})
    assert response.status_code == 404 and "SKU-999" in response.json()["detail"]
    future = [{"unique_id": "SKU-999", "ds": "2025-01-01", "price": 1.0}]
    assert client.post("/runs/weekly/forecast", json={"future": future}).status_code == 404


def test_serve_refuses_to_start_without_a_key(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("FORECASTING_API_KEY", None)
    for extra, said in (([], "FORECASTING_API_KEY is not set"),
                        (["--no-auth", "--host", "0.0.0.0"], "--no-auth is allowed only with --host 127.0.0.1")):
        done = subprocess.run([sys.executable, "-m", "forecasting", "serve", "--store", str(tmp_path / "s.db"),
                               *extra], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2 and said in done.stderr


def test_no_auth_on_localhost_serves_without_a_key(served):
    server, base = start_server(served["url"], "--no-auth", key=None)
    try:
        assert [r["name"] for r in httpx.get(f"{base}/runs").json()] == ["sample", "weekly"]
    finally:
        server.terminate()
        server.wait(timeout=30)
