"""The metric-line fast path (`mlint.reading.metric_lines`) against the exact line-by-line parser.

The fast path only answers for canonical files and must give exactly what the exact path
gives; the strategies mix canonical files (so the fast path runs, with many repeated and
float-equal points) with near-canonical ones (leading zeros, `-0`, `+`, underscores, blank
lines, `\\r`, tabs, other field counts) that must fall back.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mlint.reading.metric_lines import (
    _duplicate_lines_exact,
    duplicate_lines,
    is_canonical,
    line_fields,
    malformed_lines,
    parse_metric_lines,
)

RUN_FIELDS = (2, 3, 5)
MODEL_FIELDS = (4, 6)

# Few distinct values so that points repeat; float-equal spellings and the values the database
# folds together (NaN, ±inf vs ±DBL_MAX) on purpose.
INTS = st.sampled_from(["0", "1", "2", "17", "-1", "1795718405812"])
ODD_INTS = st.sampled_from(["-0", "01", "+1", "1_0", " 1", "x", "", "1.0"])
VALUES = st.sampled_from(["1.0", "1", "1.00", "1e0", "0", "-0.0", "nan", "-nan", "inf", "-inf",
                          "1.7976931348623157e+308", "-1.7976931348623157e308", "0.5", "1."])
ODD_VALUES = st.sampled_from(["NaN", "Infinity", ".5", "1e", "--1", "", "1,0", "0x1"])
RUN_IDS = st.sampled_from(["a1", "b2", "04372626f1a7492a9717a1269d78de4b"])


def canonical_line(is_run: bool) -> st.SearchStrategy[str]:
    fields = [INTS, VALUES, INTS] + ([] if is_run else [RUN_IDS])
    return st.tuples(*fields).map(" ".join)


def odd_line(is_run: bool) -> st.SearchStrategy[str]:
    field = st.one_of(INTS, ODD_INTS, VALUES, ODD_VALUES, RUN_IDS)
    return st.one_of(
        st.lists(field, min_size=0, max_size=7).map(" ".join),
        st.lists(field, min_size=1, max_size=5).map("  ".join),
        # Integer spellings equal to a canonical one ("-0", "01", "1_0"): a fast path that
        # compared them as text would miss the repeat.
        st.tuples(st.sampled_from(["-0", "00", "01", "+1", "1_7"]), VALUES, INTS, RUN_IDS).map(
            lambda f: " ".join(f if not is_run else f[:3])),
        canonical_line(is_run).map(lambda line: f"\t{line}"),
        canonical_line(is_run).map(lambda line: f"{line} "),
    )


def metric_text(is_run: bool, odd: bool) -> st.SearchStrategy[str]:
    # Mostly canonical even when odd: a file with one odd line is the interesting case.
    canonical = canonical_line(is_run)
    line = st.one_of(canonical, canonical, odd_line(is_run)) if odd else canonical
    ending = st.sampled_from(["\n"] * 5 + ["\r\n", "\r", "\n\n"]) if odd else st.just("\n")
    return st.tuples(st.lists(st.tuples(line, ending), max_size=12), st.booleans()).map(
        lambda parts: "".join(a + b for a, b in parts[0]).removesuffix("\n" if parts[1] else ""))


def exact_errors(text: str, allowed: tuple[int, ...]) -> list[object]:
    return [line for line in parse_metric_lines(text, allowed) if line.error]


@settings(max_examples=400, deadline=None)
@given(st.booleans(), st.data())
def test_canonical_files_take_the_fast_path_and_agree(is_run: bool, data: st.DataObject) -> None:
    text = data.draw(metric_text(is_run, odd=False))
    allowed = RUN_FIELDS if is_run else MODEL_FIELDS
    assert is_canonical(text, is_run)
    width = 3 if is_run else 4
    assert [list(f) for f in line_fields(text, width, True)] == \
        [list(f) for f in line_fields(text, width, False)]
    assert list(malformed_lines(text, allowed, is_run)) == [] == exact_errors(text, allowed)
    assert list(duplicate_lines(text, is_run)) == list(_duplicate_lines_exact(text, is_run))


@settings(max_examples=600, deadline=None)
@given(st.booleans(), st.data())
def test_any_file_gives_what_the_exact_parser_gives(is_run: bool, data: st.DataObject) -> None:
    text = data.draw(metric_text(is_run, odd=True))
    allowed = RUN_FIELDS if is_run else MODEL_FIELDS
    assert list(malformed_lines(text, allowed, is_run)) == exact_errors(text, allowed)
    assert list(duplicate_lines(text, is_run)) == list(_duplicate_lines_exact(text, is_run))


def test_fast_path_finds_float_equal_and_folded_repeats() -> None:
    text = "5 1.0 0\n5 1.00 0\n6 inf 1\n6 1.7976931348623157e+308 1\n7 nan 2\n7 -nan 2\n8 1 3\n"
    assert is_canonical(text, True)
    assert [(line, first) for line, first, _ in duplicate_lines(text, True)] == [(2, 1), (4, 3), (6, 5)]


def test_non_canonical_spellings_fall_back_to_the_exact_parser() -> None:
    for text in ("01 1.0 0\n1 1.0 0\n", "-0 1.0 0\n0 1.0 0\n", "1 1.0 0\r\n1 1.0 0\r\n",
                 "1 1.0\n1 1.0 0\n", "1 1.0 0\n\n1 1.0 0\n", "1_0 1 0\n10 1 0\n"):
        assert not is_canonical(text, True)
        assert list(duplicate_lines(text, True)) == list(_duplicate_lines_exact(text, True))
        assert list(duplicate_lines(text, True)), text  # each spells one point twice


def test_huge_files_are_not_split_by_the_fast_path() -> None:
    from mlint.reading.metric_lines import FAST_PATH_CHARS

    line = "1795718405812 0.6028489052411163 0\n"
    text = line * (FAST_PATH_CHARS // len(line) + 1)
    assert not is_canonical(text, True)  # the lazy exact path bounds memory instead


RESPELLINGS = {"0": ["-0", "00", "+0"], "1": ["01", "+1"], "2": ["02", "+2"], "17": ["1_7", "017"],
               "-1": ["-01", "-0_1"], "1795718405812": ["01795718405812", "+1795718405812"]}


@settings(max_examples=200, deadline=None)
@given(st.booleans(), st.data())
def test_a_point_respelled_is_still_a_repeat(is_run: bool, data: st.DataObject) -> None:
    """Same point, other integer spelling: the file leaves the fast path and the exact parser
    finds the repeat (a fast path comparing integer texts would miss it)."""
    lines = data.draw(st.lists(canonical_line(is_run), min_size=1, max_size=8))
    fields = data.draw(st.sampled_from(lines)).split(" ")
    index = data.draw(st.sampled_from([0, 2]))
    fields[index] = data.draw(st.sampled_from(RESPELLINGS[fields[index]]))
    lines.insert(data.draw(st.integers(0, len(lines))), " ".join(fields))
    text = "\n".join(lines) + "\n"
    assert list(duplicate_lines(text, is_run)) == list(_duplicate_lines_exact(text, is_run)) != []
