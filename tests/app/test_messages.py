"""Library messages name settings once: the command line shows its flags, the app its field labels."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd
import pytest

from forecasting.data.mapping import detect_mapping
from forecasting.data.quality import quality_issues
from forecasting.errors import CLI_FLAGS, DataValidationError, MappingError
from ui.messages import FIELD_LABELS, for_app

LIBRARY = Path(__file__).parents[2] / "forecasting"
SETTING = re.compile(r"\(\{(\w+)(?::[^{}]*)?\}\)")


def _library_strings() -> list[str]:
    """Every string literal in the library (f-strings' literal parts included), command line excepted."""
    out = []
    for path in LIBRARY.rglob("*.py"):
        if "cli" in path.relative_to(LIBRARY).parts:
            continue
        out += [n.value for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return out


def test_a_fix_names_flags_on_the_command_line_and_fields_in_the_app():
    error = DataValidationError("column 'x {y}' has no dates", fix="map it ({date}) or use {freq:W or M}")
    assert str(error) == "column 'x {y}' has no dates; map it (--date) or use --freq W or M"
    assert error.settings == ("date", "freq")
    assert for_app(error) == "column 'x {y}' has no dates; map it (“Date”) or use “Frequency” set to weekly or monthly"


def test_a_real_mapping_error_points_at_the_date_field():
    frame = pd.DataFrame({"sku": ["a", "b"], "units": [1, 2]})
    with pytest.raises(MappingError, match=r"no column holds dates .*; choose the date column \(--date\)") as caught:
        detect_mapping(frame)
    assert caught.value.settings == ("date",)
    assert for_app(caught.value).endswith("choose the date column (“Date”)")


def test_findings_carry_their_fix_too():
    days = pd.date_range("2024-01-01", periods=60)
    frame = pd.DataFrame({"unique_id": ["a"] * 60 + ["b"] * 60, "ds": list(days) * 2, "y": [0.0] * 118 + [1.0, 1.0]})
    issue = next(i for i in quality_issues(frame, "D") if i.kind == "sparse")
    assert "(--freq W or M)" in issue.as_dict()["message"]
    assert "(“Frequency” set to weekly or monthly)" in for_app(issue)


def test_every_setting_the_library_names_has_a_flag_and_a_field():
    named = {m.group(1) for text in _library_strings() for m in SETTING.finditer(text)}
    assert named >= {"date", "target", "freq", "ids", "date_format"}, "the library's fixes were expected to name settings"
    assert named <= set(CLI_FLAGS)
    assert set(CLI_FLAGS) <= set(FIELD_LABELS)


def test_no_library_message_writes_a_flag_by_hand():
    by_hand = [text for text in _library_strings() if re.search(r"\(--[a-z]", text)]
    assert by_hand == []
