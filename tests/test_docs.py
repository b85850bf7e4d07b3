"""Generated documentation stays in sync with the code."""

from __future__ import annotations

import re

from mlint.core.registry import load_registry
from mlint.ruledocs import summary_table
from tests.conftest import REPO

TABLE = re.compile(r"<!-- mlint:rules-table -->\n(.*?)<!-- /mlint:rules-table -->", re.S)


def readme_rules_table() -> str:
    return "\n".join(summary_table(load_registry(plugins=False), link="docs/rules.md")) + "\n"


def test_readme_rules_table_is_generated() -> None:
    match = TABLE.search((REPO / "README.md").read_text())
    assert match is not None, "README.md lost its rules-table markers"
    assert match.group(1) == readme_rules_table(), "regenerate: python -m tests.test_docs"


if __name__ == "__main__":  # regenerate the README table in place
    text = (REPO / "README.md").read_text()
    block = f"<!-- mlint:rules-table -->\n{readme_rules_table()}<!-- /mlint:rules-table -->"
    text = TABLE.sub(lambda m: block, text)
    (REPO / "README.md").write_text(text)
