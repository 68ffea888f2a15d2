"""The terminal-table helper every verb uses (hand-written expected layouts)."""

from nlbench.textable import text_table


def test_widths_alignment_rule_and_indent():
    rows = [("static", "14.90", "3"), ("jointnlt-tiny", "61.02", "40")]
    table = text_table(rows, ("tracker", "AUC", "#seq"), right={1, 2}, rule=True)
    assert table.splitlines() == [
        "tracker          AUC  #seq",
        "-------------  -----  ----",
        "static         14.90     3",
        "jointnlt-tiny  61.02    40",
    ]
    assert text_table([("a", "long text"), ("bbb", "x")], indent="  ").splitlines() == ["  a    long text", "  bbb  x"]


def test_trailing_spaces_are_stripped_and_empty_is_empty():
    assert text_table([("a", ""), ("bb", "")], right={1}).splitlines() == ["a", "bb"]
    assert text_table([]) == ""
