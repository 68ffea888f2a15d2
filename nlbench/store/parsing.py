"""Parsing one raw result file (eval-spec §4.4): the tolerant default reader and pytracking's strict one.

The default reader accepts comma, tab, runs of spaces and mixtures, trailing separators, CRLF,
blank lines, exponents and ``nan``/``inf``; every non-blank row must hold exactly 4 numbers.
``strict=True`` reproduces the pytracking reader instead (``numpy.loadtxt`` with a tab delimiter,
then a comma delimiter; anything else is an error), for checking that a file would load in the
original.  The numbers themselves are read by :mod:`nlbench.core.boxtext`, shared with the ground-truth
reader.  Whether non-finite values are acceptable is decided by the caller
(:func:`require_finite`), since the reference reads them and then applies its own rules.
"""

from __future__ import annotations

import numpy as np

from nlbench.core.boxtext import RowError, first_non_finite_line, parse_box_lines, parse_boxes_fast, strip_bom
from nlbench.core.errors import ResultFormatError

__all__ = ["NON_FINITE_HINT", "parse_result_bytes", "require_finite"]

#: What the error for ``inf``/``nan`` tells the user to do.
NON_FINITE_HINT = "pass --allow-non-finite (library: allow_non_finite=True) to evaluate it as the reference does"


def parse_result_bytes(data: bytes, source: str = "<bytes>", strict: bool = False) -> np.ndarray:
    """Parse the content of a result file; ``source`` names it in error messages."""
    if strict:
        return _parse_strict(data, source)
    data = strip_bom(data)
    values = parse_boxes_fast(data)
    if values is None:
        # Only reached for malformed files: find the first bad line for the message.
        values = _parse_slow(data, source)
    if values.shape[0] == 0:
        raise ResultFormatError(f"{source}: no boxes in the file (an empty result); rerun the tracker on this sequence")
    return values


def _parse_slow(data: bytes, source: str) -> np.ndarray:
    try:
        return parse_box_lines(data)
    except RowError as bad:
        if bad.found is None:
            raise ResultFormatError(f"{source}, line {bad.line}: not a number in {bad.text!r}") from None
        raise ResultFormatError(
            f"{source}, line {bad.line}: expected 4 numbers (x y w h), found {bad.found} in {bad.text!r}"
        ) from None


def require_finite(values: np.ndarray, source: str, read_bytes) -> None:
    """Raise :class:`ResultFormatError` naming ``source`` and the 1-based line of the first inf/nan.

    ``read_bytes()`` gives the file's content again; it is called only when a value is not finite.
    """
    total = np.add.reduce(values, axis=None)  # one pass; a non-finite sum sends us to the exact check
    if np.isfinite(total) or np.isfinite(values).all():
        return
    where = first_non_finite_line(strip_bom(read_bytes()))
    line, text = where if where is not None else (None, "")
    at = f", line {line}" if line is not None else ""
    raise ResultFormatError(f"{source}{at}: a non-finite number (NaN or infinity) in {text!r}; {NON_FINITE_HINT}")


def _parse_strict(data: bytes, source: str) -> np.ndarray:
    """pytracking's reader: ``numpy.loadtxt`` with delimiter tab, on failure comma (eval-spec §1.8).

    Unlike the original, a one-row file gives a 1x4 array rather than a 1-D one
    that would crash the evaluator later.
    """
    import io
    import warnings

    text = data.decode("utf-8", errors="replace")
    for delimiter in ("\t", ","):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
                values = np.loadtxt(io.StringIO(text), delimiter=delimiter, dtype=np.float64, ndmin=2)
        except ValueError:
            continue
        if values.size == 0:
            raise ResultFormatError(f"{source}: no boxes in the file (an empty result)")
        if values.shape[1] != 4:
            raise ResultFormatError(
                f"{source}: strict-reference reading found {values.shape[1]} columns; the reference expects 4 (x y w h)"
            )
        return values
    line = _first_strict_failure(text)
    raise ResultFormatError(
        f"{source}, line {line}: the strict-reference reader (tab, then comma, as pytracking) cannot read this file; "
        "drop --strict-reference to accept spaces and mixed separators"
    )


def _first_strict_failure(text: str) -> int:
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        for delimiter in ("\t", ","):
            try:
                [float(f) for f in line.split(delimiter)]
                break
            except ValueError:
                continue
        else:
            return number
    return 1
