"""The app starts on the sample without loading TensorFlow or statsmodels.

Uploads (a good one replaces the sample, a bad one shows one error and keeps
the data) are checked page by page in ``test_pages_data_explore.py``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]

FIRST_RUN = f"""
import sys, time
from streamlit.testing.v1 import AppTest
start = time.perf_counter()
at = AppTest.from_file({str(ROOT / "app.py")!r}, default_timeout=60).run()
print(round(time.perf_counter() - start, 2))
print(len(at.exception), len(at.error), at.title[0].value)
print(sorted({{m.split('.')[0] for m in sys.modules}} & {{'tensorflow', 'keras', 'statsmodels'}}))
at.switch_page("pages/train.py").run()
at.multiselect(key="train_chosen_models").set_value(["ridge", "mlp", "lstm"]).run()
print(len(at.exception), at.title[0].value, any(m.split('.')[0] in ('tensorflow', 'keras') for m in sys.modules))
"""


def test_the_app_starts_and_offers_neural_models_without_heavy_imports():
    done = subprocess.run([sys.executable, "-c", FIRST_RUN], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    seconds, outcome, heavy, train_page = done.stdout.strip().splitlines()[-4:]
    assert outcome == "0 0 Data"
    assert heavy == "[]"  # TensorFlow only for neural models, statsmodels only when Explore decomposes
    assert train_page == "0 Train False"  # choosing neural models does not load TensorFlow; training does
