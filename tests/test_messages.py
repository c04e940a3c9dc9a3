"""Library messages name command-line flags; the app names its fields instead."""

from __future__ import annotations

import re
from pathlib import Path

from ui.messages import FLAG_LABELS, for_app

ROOT = Path(__file__).parent.parent


def test_flags_become_field_names_longest_first():
    assert for_app("give its format (--date-format)") == "give its format (“Date format”)"
    assert for_app("choose the date column (--date)") == "choose the date column (“Date”)"
    assert for_app("use weekly or monthly periods (--freq W or M)") == \
        "use weekly or monthly periods (“Frequency” set to weekly or monthly)"
    assert for_app("nothing to replace here - really") == "nothing to replace here - really"


def test_every_flag_the_library_tells_users_about_has_a_field_name():
    library = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "forecasting").glob("*.py")
                        if p.name not in {"cli.py", "synthetic.py"})
    hinted = set(re.findall(r"\(--([a-z-]+)", library)) | set(re.findall(r"[Gg]ive --([a-z-]+)", library))
    assert hinted, "the library's messages were expected to name flags"
    assert {f"--{flag}" for flag in hinted} <= {flag.split()[0] for flag in FLAG_LABELS}
