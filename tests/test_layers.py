"""The library's floors: imports only point down, there are no import cycles, no Streamlit, no TensorFlow at import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

LIBRARY = Path(__file__).parent.parent / "forecasting"

#: The floors, lowest first. A module may import its own floor and the floors below it, never above.
FLOORS = {
    "schema": 0, "errors": 0, "glossary": 0,
    "data": 1, "synthetic": 1,
    "models": 2,
    "evaluation": 3,
    "analysis": 4,
    "recommend": 5,
    "plots": 6,
    "store": 7,
    "serve": 8,
    "cli": 9,
}

#: Upward imports allowed on purpose, with the reason.
ALLOWED_UPWARD = {
    # auto selects among models by cross-validating them, as scikit-learn's GridSearchCV sits above the
    # estimators it selects: it needs the rolling windows and the metrics of the evaluation floor.
    ("models.auto", "evaluation.crossval"),
    ("models.auto", "evaluation.metrics"),
    # its members that ignore drivers forecast as if they stay as usual: auto's what-ifs start from that plan.
    ("models.auto", "evaluation.plans"),
}


def module_name(path: Path, root: Path = LIBRARY) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, root: Path = LIBRARY) -> set[str]:
    """Library modules that ``path`` imports, anywhere in the file (lazy imports inside functions included)."""
    name = module_name(path, root)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    known = {module_name(p, root) for p in root.rglob("*.py")}
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1] if node.level > 1 else package
                target = ".".join([*base, node.module] if node.module else base)
            elif node.module and node.module.split(".")[0] == "forecasting":
                target = node.module.removeprefix("forecasting").lstrip(".")
            else:
                continue
            # ``from .plots import style`` imports the module plots.style; ``from .plots.style import figure``,
            # the module plots.style: keep the deepest name that is a module.
            found.update(f"{target}.{a.name}".lstrip(".") if f"{target}.{a.name}".lstrip(".") in known else target
                         for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name.removeprefix("forecasting").lstrip(".") for a in node.names
                         if a.name.split(".")[0] == "forecasting")
    return {m for m in found if m in known and m != name}


def floor(module: str) -> int:
    return FLOORS[module.split(".")[0]]


def library_graph(root: Path = LIBRARY) -> dict[str, set[str]]:
    return {module_name(p, root): imported_modules(p, root) for p in root.rglob("*.py") if p.name != "__main__.py"}


def upward_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(importer, imported) pairs that point up a floor, or into the front door, minus the allowed ones."""
    bad = []
    for module, targets in graph.items():
        if module == "":  # the front door (forecasting/__init__.py) re-exports from every floor
            continue
        for target in targets:
            if target == "" or (floor(target) > floor(module) and (module, target) not in ALLOWED_UPWARD):
                bad.append((module, target))
    return sorted(bad)


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Import cycles between modules (package ``__init__`` files count as the modules they are)."""
    found, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                found.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, [*path, target])
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    return found


def test_every_folder_is_a_known_floor_and_says_what_it_may_import():
    folders = [p for p in LIBRARY.iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    top_modules = [p.stem for p in LIBRARY.glob("*.py") if p.stem not in ("__init__", "__main__")]
    assert {p.name for p in folders} | set(top_modules) <= set(FLOORS)
    assert len(top_modules) <= 8
    for folder in folders:
        doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8"))) or ""
        assert len(doc.split()) >= 25 and "import" in doc, f"{folder.name}/__init__.py needs a paragraph"


def test_imports_only_point_down_and_never_in_a_circle():
    graph = library_graph()
    assert upward_imports(graph) == []
    assert cycles({m: t for m, t in graph.items() if m}) == []


def test_the_check_catches_a_deliberate_upward_import_and_a_cycle(tmp_path):
    for name, body in {"__init__.py": "", "schema.py": "", "data/__init__.py": "",
                       "data/io.py": "from ..plots import style\n",
                       "plots/__init__.py": "", "plots/style.py": "from ..data import io\n"}.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(body)
    graph = library_graph(tmp_path)
    assert upward_imports(graph) == [("data.io", "plots.style")]
    assert cycles({m: t for m, t in graph.items() if m}) == [["data.io", "plots.style", "data.io"]]


@pytest.mark.parametrize("path", sorted(LIBRARY.rglob("*.py")), ids=lambda p: str(p.relative_to(LIBRARY)))
def test_library_never_imports_streamlit(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        assert not any(n == "streamlit" or n.startswith("streamlit.") for n in names)


def test_loading_data_does_not_import_tensorflow():
    code = (
        "import sys, forecasting.data.dataset, forecasting.cli, forecasting.data.cleaning, forecasting;"
        "print(any(m.split('.')[0] in ('tensorflow', 'keras') for m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=LIBRARY.parent)
    assert done.stdout.strip() == "False", done.stderr
