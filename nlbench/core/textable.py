"""Plain-text tables for the terminal: the one column-width implementation the CLI verbs share."""

from __future__ import annotations

from collections.abc import Container, Sequence


def text_table(
    rows: Sequence[Sequence[str]],
    header: Sequence[str] | None = None,
    right: Container[int] = (),
    rule: bool = False,
    indent: str = "",
    gap: str = "  ",
    groups: Sequence[tuple[str, int]] | None = None,
) -> str:
    """Columns padded to their widest cell, separated by ``gap``; columns in ``right`` right-aligned.

    ``header`` (if any) is the first line, followed by a line of dashes when ``rule``.  ``groups``
    puts a line above it: (label, number of columns) spans from the left, each label centred over its
    columns (the last column of a span widens when the label is longer).  Trailing spaces are
    stripped, so a left-aligned last column may hold text of any length.
    """
    lines_in = [tuple(header)] if header is not None else []
    lines_in += [tuple(r) for r in rows]
    if not lines_in:
        return ""
    widths = [max(len(r[i]) for r in lines_in) for i in range(len(lines_in[0]))]
    spans: list[tuple[str, int]] = []
    if groups:
        first = 0
        for label, count in groups:
            covered = sum(widths[first:first + count]) + len(gap) * (count - 1)
            widths[first + count - 1] += max(0, len(label) - covered)
            spans.append((label, sum(widths[first:first + count]) + len(gap) * (count - 1)))
            first += count

    def line(cells: Sequence[str]) -> str:
        padded = (c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))
        return (indent + gap.join(padded)).rstrip()

    out = [line(r) for r in lines_in]
    if header is not None and rule:
        out.insert(1, (indent + gap.join("-" * w for w in widths)).rstrip())
    if spans:
        out.insert(0, (indent + gap.join(label.center(width) for label, width in spans)).rstrip())
    return "\n".join(out)
