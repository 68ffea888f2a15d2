"""The terminal-table helper every verb uses (hand-written expected layouts)."""

from nlbench.core.textable import text_table


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


def test_group_labels_span_their_columns_and_widen_the_last_one():
    table = text_table([("a", "1", "2", "3", "4")], ("tracker", "x", "y", "x", "y"), right=range(1, 5), rule=True,
                       groups=[("", 1), ("long-protocol-name", 2), ("p2", 2)])
    assert table.splitlines() == [
        "         long-protocol-name   p2",  # 18 characters over x + gap + y: y widens to 15
        "tracker  x                y  x  y",
        "-------  -  ---------------  -  -",
        "a        1                2  3  4",
    ]
