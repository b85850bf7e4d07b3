"""Generated documentation and schemas stay in sync with the code (`python -m tests.regenerate`)."""

from __future__ import annotations

from pathlib import Path

from tests import regenerate


def test_generated_artefacts_are_current() -> None:
    assert regenerate.stale() == [], "regenerate: python -m tests.regenerate"


def test_the_check_notices_a_stale_artefact(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- mlint:rules-table -->\n| old |\n<!-- /mlint:rules-table -->\nend\n")
    update = regenerate.text_artefacts()[regenerate.REPO / "README.md"]
    assert regenerate.stale({readme: update}) == [str(readme)]
    fresh = update(readme.read_text())
    assert fresh.startswith("intro\n<!-- mlint:rules-table -->\n| Code |") and fresh.endswith("end\n")
