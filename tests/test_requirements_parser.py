"""The pip-style requirements parser: classification, locations, credentials masking."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mlint.reading.requirements import credentials_in, parse_requirements, specifier_key

TEXT = """mlflow==3.17.2
# a comment
numpy>=1.0 ; python_version < "3.12"  # trailing comment
pandas \\
  ==2.0
foo ==1.0 bar
--extra-index-url https://pypi.example/simple
-r other.txt
-c constraints.txt
git+https://github.com/a/b.git#egg=b
./local/pkg
-e ../x
pkg @ https://h.example/x.whl
--bogus
Sk_Learn[Extra]==1 --hash=sha256:abc"""


def test_lines_are_classified_and_located() -> None:
    entries = parse_requirements(TEXT)
    got = [(e.line, e.kind, e.name or e.target or e.option) for e in entries]
    assert got == [
        (1, "requirement", "mlflow"),
        (3, "requirement", "numpy"),
        (4, "requirement", "pandas"),  # continuation joined, first line kept
        (6, "error", ""),
        (7, "option", "https://pypi.example/simple"),
        (8, "include", "other.txt"),
        (9, "constraint", "constraints.txt"),
        (10, "url", "git+https://github.com/a/b.git#egg=b"),
        (11, "path", "./local/pkg"),
        (12, "editable", "../x"),
        (13, "requirement", "pkg"),
        (14, "error", "--bogus"),
        (15, "requirement", "sk-learn"),  # PEP 503 normalised, --hash stripped
    ]
    bad = entries[3]
    assert bad.column == len("foo ==1.0 ") + 1  # points at 'bar'
    assert [e.is_pinned for e in entries[:3]] == [True, False, True]


def test_specifier_key_ignores_spelling_but_not_markers() -> None:
    a, b, c = parse_requirements('A_B==1.0\na-b == 1.0\na-b==1.0; python_version<"3"')
    assert a.name == b.name == c.name == "a-b"
    assert specifier_key(a) == specifier_key(b)
    assert specifier_key(a) != specifier_key(c)


def test_credentials_are_masked() -> None:
    assert credentials_in("https://user:s3cret@pypi.example/simple") == "https://***:***@pypi.example/simple"
    assert credentials_in("https://tok3n@git.example/a.whl") == "https://***@git.example/a.whl"
    assert credentials_in("https://${USER}:${TOKEN}@pypi.example/simple") is None
    assert credentials_in("https://pypi.example/simple") is None
    masked = credentials_in("https://u:hunter2@h/x") or ""
    assert "hunter2" not in masked


@given(st.text(max_size=300))
def test_parser_never_raises(text: str) -> None:
    for entry in parse_requirements(text):
        assert entry.line >= 1 and entry.column >= 1
        assert entry.kind in {"requirement", "url", "path", "editable", "include", "constraint",
                              "option", "error"}
