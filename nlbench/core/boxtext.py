"""Rows of 4 numbers in text: the one number parser for ground-truth and result files.

This module sits at the bottom of nlbench and imports nothing else from it, so the dataset
loaders (ground truth) and the result store (tracker output) share it without an import
circle.  Callers turn a :class:`RowError` into their own user-facing error, naming the file.

* :func:`parse_boxes_fast`: vectorised reader of any mix of commas and whitespace; ``None``
  when the text is malformed.
* :func:`parse_box_lines`: the line-by-line reader, the authority on which line is wrong.
* :func:`first_non_finite_line`: where the first ``inf``/``nan`` is (1-based line).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

__all__ = [
    "RowError",
    "first_non_finite_line",
    "parse_box_lines",
    "parse_boxes_fast",
    "parse_boxes_fast_many",
    "strip_bom",
]

_POW10 = 10.0 ** np.arange(23)
#: Digits per token up to which the digit integer is exact in float64 (< 2**53).
_MAX_FAST_DIGITS = 15

_SPLIT = re.compile(r"[,\s]+")

#: Bytes that the decimal converter handles: separators, newline, '-', '.', digits (any other byte
#: sends the text to the generic converter).
_CONVERTED_BYTES = bytes([9, 10, 11, 12, 13, 32, 44, 45, 46, *range(48, 58)])

_TO_SPACE = bytes.maketrans(b",\t\r\v\f", b"     ")


class RowError(ValueError):
    """A line that is not 4 numbers: ``line`` (1-based), ``found`` tokens (None: one is not a number), ``text``."""

    def __init__(self, line: int, found: int | None, text: str) -> None:
        self.line, self.found, self.text = line, found, text
        what = "not a number" if found is None else f"expected 4 numbers, found {found}"
        super().__init__(f"line {line}: {what} in {text!r}")


def strip_bom(data: bytes) -> bytes:
    """``data`` without a UTF-8 byte-order mark (Windows editors write one)."""
    return data[3:] if data.startswith(b"\xef\xbb\xbf") else data


def parse_boxes_fast(data: bytes) -> np.ndarray | None:
    """Vectorised reader of 4-number rows (any mix of commas and whitespace); None when malformed.

    Token boundaries come from one numpy pass over the bytes, every line is checked to hold 4
    tokens, and plain decimal numbers are assembled from their digits without a per-line Python
    loop.  Other tokens (exponents, ``nan``, ``inf``) go through ``numpy.fromstring``.  Callers fall
    back to :func:`parse_box_lines`, which says which line is wrong.
    """
    parsed = _parse_tokens(data)
    return None if parsed is None else parsed[0]


def parse_boxes_fast_many(blobs: Sequence[bytes], group_bytes: int = 1 << 20) -> list[np.ndarray | None]:
    """:func:`parse_boxes_fast` of each blob, parsing ~``group_bytes`` of them at a time.

    Small files (a LaSOT result is ~60 kB) cost more in per-call numpy overhead than in parsing;
    joined by newlines they are parsed in one pass and split by their token counts.  A group that
    does not parse is parsed file by file, so one bad file leaves the others' results intact.
    """
    out: list[np.ndarray | None] = [None] * len(blobs)
    start = 0
    while start < len(blobs):
        stop, size = start, 0
        while stop < len(blobs) and (stop == start or size < group_bytes):
            size += len(blobs[stop]) + 1
            stop += 1
        group = blobs[start:stop]
        parsed = _parse_tokens(b"\n".join(group)) if len(group) > 1 else None
        if parsed is None:
            out[start:stop] = [parse_boxes_fast(blob) for blob in group]
        else:
            values, starts = parsed
            offsets = np.cumsum([0] + [len(blob) + 1 for blob in group])
            rows = np.diff(np.searchsorted(starts, offsets)) // 4
            out[start:stop] = np.split(values, np.cumsum(rows)[:-1])
        start = stop
    return out


def _parse_tokens(data: bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """(values (N, 4), token starts) of :func:`parse_boxes_fast`; None when malformed."""
    buf = np.frombuffer(data, dtype=np.uint8)
    # bytes.translate deletes the converted bytes in one C pass: what is left is the other bytes.
    other = bool(data.translate(None, _CONVERTED_BYTES))
    # Separators (space, tab, comma, CR, VT, FF) and newlines sort below '-' (45); '+' (43) is
    # content but rare enough to send to the generic converter.
    content = buf > 44
    edges = np.flatnonzero(content[1:] != content[:-1]) + 1  # where a token starts or ends
    if content.size and content[0]:
        edges = np.concatenate(([0], edges))
    if content.size and content[-1]:
        edges = np.append(edges, content.size)
    starts, ends = edges[0::2], edges[1::2]
    n_tokens = starts.size
    if n_tokens == 0:
        return (np.empty((0, 4), dtype=np.float64), starts) if not other else None
    # Exactly 4 tokens on every non-blank line.
    line_ends = np.append(np.flatnonzero(buf == 10), buf.size)
    per_line = np.diff(np.searchsorted(starts, line_ends), prepend=0)
    if np.any((per_line != 0) & (per_line != 4)):
        return None
    n_rows = n_tokens // 4
    if other:
        values = _convert_generic(data, n_tokens, n_rows)
    else:
        values = _convert_decimal(buf, starts, ends, has_dot=b"." in data, has_minus=b"-" in data)
        values = _convert_generic(data, n_tokens, n_rows) if values is None else values.reshape(n_rows, 4)
    return None if values is None else (values, starts)


def _convert_decimal(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, has_dot: bool, has_minus: bool) -> np.ndarray | None:
    """Tokens of the form ``[-]digits[.digits]``, converted exactly (None if any token is not).

    The caller has checked that the text holds only digits, '-', '.' and separators.  The integer
    formed by all digits of a token is exact (at most 15 digits, below 2**53); dividing it by a
    power of ten is one correctly rounded IEEE operation, so the result equals ``strtod``.
    Tokens of up to 8 characters (nearly all boxes) are read 8 bytes at a time
    (:func:`_mantissa_8_bytes`); longer ones column by column (:func:`_mantissa_columns`).
    """
    n = starts.size
    lengths = ends - starts
    if int(lengths.max()) > _MAX_FAST_DIGITS + 2:
        return None
    negative = np.zeros(n, dtype=bool)
    if has_minus:
        minus = np.flatnonzero(buf == 45)
        owner = np.minimum(np.searchsorted(starts, minus), n - 1)
        if np.any(starts[owner] != minus):  # a '-' must open its token
            return None
        negative[owner] = True
    frac = np.zeros(n, dtype=np.intp)
    dotted = np.zeros(n, dtype=bool)
    if has_dot:
        dots = np.flatnonzero(buf == 46)
        if dots.size == n and np.all((dots >= starts) & (dots < ends)):
            owner = slice(None)  # fixed-point files: one dot in every token, found without a search
        else:
            owner = np.searchsorted(starts, dots, side="right") - 1
            if owner.size > 1 and np.any(owner[1:] == owner[:-1]):  # two dots in one token
                return None
        frac[owner] = ends[owner] - 1 - dots
        dotted[owner] = True
    n_digits = lengths - negative - dotted
    if n_digits.min() < 1 or n_digits.max() > _MAX_FAST_DIGITS:
        return None
    short = lengths <= 8
    if short.all():
        mantissa = _mantissa_8_bytes(buf, ends, lengths - negative, frac, dotted)
    else:
        mantissa = np.empty(n, dtype=np.int64)
        mantissa[short] = _mantissa_8_bytes(buf, ends[short], (lengths - negative)[short], frac[short], dotted[short])
        long = ~short
        mantissa[long] = _mantissa_columns(buf, starts[long], lengths[long])
    values = mantissa.astype(np.float64)
    if has_dot:
        values /= _POW10[frac]
    if has_minus:
        values[negative] = -values[negative]
    return values


_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
_LOW_NIBBLES = np.uint64(0x0F0F0F0F0F0F0F0F)


def _mantissa_8_bytes(buf: np.ndarray, ends: np.ndarray, kept: np.ndarray, frac: np.ndarray, dotted: np.ndarray) -> np.ndarray:
    """The digits of each token (at most 8 characters) as an integer, 8 bytes per token at once.

    The 8 bytes that end with the token's last character are read as one little-endian word
    (byte 7 = last character); bytes before the token (and its sign: ``kept`` = length without
    it) are cleared, the dot is cut out by moving the integer part up one byte, and the 8 digit
    bytes (leading ones zero) become one integer by the usual multiply-and-shift steps.
    """
    padded = np.concatenate((np.full(8, 32, dtype=np.uint8), buf))
    # Unaligned 8-byte words at every byte offset (numpy reads them with memcpy).
    words = np.ndarray(shape=(padded.size - 7,), dtype="<u8", buffer=padded, strides=(1,))
    w = words.take(ends)  # with the 8 bytes of padding, word k ends at buf[k - 1]
    w &= _ONES << ((np.uint64(8) - kept.astype(np.uint64)) * np.uint64(8))
    if dotted.any():
        dot = (np.uint64(7) - frac.astype(np.uint64)) * np.uint64(8)
        below = (np.uint64(1) << dot) - np.uint64(1)
        above = ~(below | (np.uint64(0xFF) << dot))
        w = np.where(dotted, ((w & below) << np.uint64(8)) | (w & above), w)
    w &= _LOW_NIBBLES  # '0'-'9' -> 0-9; cleared bytes stay 0
    w = ((w * np.uint64(10 * 256 + 1)) >> np.uint64(8)) & np.uint64(0x00FF00FF00FF00FF)
    w = ((w * np.uint64(100 * 65536 + 1)) >> np.uint64(16)) & np.uint64(0x0000FFFF0000FFFF)
    w = (w * np.uint64((10000 << 32) + 1)) >> np.uint64(32)
    return w.astype(np.int64)


def _mantissa_columns(buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The digits of each token as an integer, one character position of every token at a time."""
    n = starts.size
    width = int(lengths.max())
    shortest = int(lengths.min())
    padded = np.concatenate((buf, np.full(width, 32, dtype=np.uint8)))
    mantissa = np.zeros(n, dtype=np.int64)
    step = np.empty(n, dtype=np.int64)
    digit = np.empty(n, dtype=bool)
    position = starts.copy()
    for j in range(width):
        chars = padded.take(position)
        np.greater_equal(chars, 48, out=digit)  # '-' and '.' sort below '0'
        if j >= shortest:
            digit &= lengths > j
        np.multiply(mantissa, 10, out=step)
        step += chars
        step -= 48
        np.copyto(mantissa, step, where=digit)
        position += 1
    return mantissa


def _convert_generic(data: bytes, n_tokens: int, n_rows: int) -> np.ndarray | None:
    text = data.translate(_TO_SPACE).decode("ascii", errors="replace")
    try:
        values = np.fromstring(text, dtype=np.float64, sep=" ")
    except ValueError:  # a token that is not a number
        return None
    if values.size != n_tokens:
        return None
    return values.reshape(n_rows, 4)


def _lines(data: bytes | str) -> list[str]:
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    return text.split("\n")


def parse_box_lines(data: bytes | str) -> np.ndarray:
    """Line-by-line reader of 4-number rows; blank lines are skipped.

    Returns an ``(N, 4)`` float64 array (N may be 0); raises :class:`RowError` at the first line
    that does not hold exactly 4 numbers.
    """
    rows: list[list[float]] = []
    for number, raw in enumerate(_lines(data), start=1):
        fields = [f for f in _SPLIT.split(raw.strip()) if f]
        if not fields:
            continue
        if len(fields) != 4:
            raise RowError(number, len(fields), raw.strip()[:60])
        try:
            rows.append([float(f) for f in fields])
        except ValueError:
            raise RowError(number, None, raw.strip()[:60]) from None
    return np.asarray(rows, dtype=np.float64).reshape(-1, 4)


def first_non_finite_line(data: bytes | str) -> tuple[int, str] | None:
    """(1-based line, its text) of the first row holding ``inf`` or ``nan`` in any spelling, else None."""
    for number, raw in enumerate(_lines(data), start=1):
        for field in _SPLIT.split(raw.strip()):
            try:
                value = float(field)
            except ValueError:
                continue
            if not math.isfinite(value):
                return number, raw.strip()[:60]
    return None
