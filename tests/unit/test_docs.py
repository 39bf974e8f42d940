"""The docs' lists that can be generated (chapters, presets, parameters) are generated, and current."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_generated_lists_in_the_docs_are_current():
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_docs.py"), "--check"], capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stderr


def test_the_readme_is_short_and_links_its_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme) <= 8000
    for doc in ("methods", "architecture", "performance", "guide", "bad-input", "parameters"):
        assert f"docs/{doc}.md" in readme and (ROOT / "docs" / f"{doc}.md").is_file()
    assert (ROOT / "docs" / "img" / "briefing-page.png").is_file()
