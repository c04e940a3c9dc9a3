"""The library stays UI-free and light: no Streamlit, and no TensorFlow at import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

LIBRARY = Path(__file__).parent.parent / "forecasting"


def test_library_never_imports_streamlit():
    offenders = []
    for path in LIBRARY.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
                offenders.append(str(path.relative_to(LIBRARY)))
    assert offenders == []


def test_loading_data_does_not_import_tensorflow():
    code = (
        "import sys, forecasting.dataset, forecasting.cli, forecasting.cleaning;"
        "print(any(m.split('.')[0] in ('tensorflow', 'keras') for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=LIBRARY.parent)
    assert done.stdout.strip() == "False", done.stderr
