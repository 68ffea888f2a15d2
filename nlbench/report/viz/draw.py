"""Drawing: boxes on a frame ("tile"), the legend and the caption ("panel"), and their layouts.

All arrays are RGB uint8 (frames as the datasets give them).  Text is OpenCV's Hershey font, which
draws ASCII only: sentences are transliterated (accents dropped, other characters become ``?``).
A tile is the frame with the GT box (white, dashed), every tracker's box in its colour, the frame index
in the top-left corner and, below the frame, one IoU per tracker in the tracker's colour.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from nlbench.report.viz.palette import GT_COLOUR, RGB

__all__ = ["Layout", "compose_figure", "compose_frame", "compose_strip", "draw_tile", "layout_for", "panel"]

FONT = cv2.FONT_HERSHEY_SIMPLEX
BACKGROUND: RGB = (24, 24, 24)
TEXT: RGB = (235, 235, 235)
MUTED: RGB = (160, 160, 160)
GAP = 4  # pixels between the tiles of a strip


@dataclass(frozen=True)
class Layout:
    """Sizes for one picture: the frame size after scaling, the font and the line widths."""

    width: int
    height: int
    factor: float  # output pixels per frame pixel
    font: float
    text_thickness: int
    line: int  # box line thickness
    line_height: int
    pad: int
    iou_rows: int  # lines of the IoU row under a tile


def layout_for(frame_shape: tuple[int, ...], n_trackers: int, width: int | None = None) -> Layout:
    """The layout of a sequence whose frames are ``frame_shape``, scaled to ``width`` pixels if given."""
    native_h, native_w = int(frame_shape[0]), int(frame_shape[1])
    factor = 1.0 if not width else width / native_w
    out_w, out_h = max(1, round(native_w * factor)), max(1, round(native_h * factor))
    font = min(max(out_w / 640.0, 0.36), 0.9)
    thickness = 1 if out_w < 900 else 2
    (_, text_h), baseline = cv2.getTextSize("Ag", FONT, font, thickness)
    pad = max(3, round(out_w / 100))
    line_height = text_h + baseline + max(3, pad // 2)
    per_row = max(1, (out_w - 2 * pad) // _iou_cell_width(font, thickness))
    iou_rows = max(1, -(-(n_trackers + 1) // per_row))  # +1: the "IoU" label
    return Layout(out_w, out_h, factor, font, thickness, max(2, round(out_w / 320)), line_height, pad, iou_rows)


def ascii_text(text: str) -> str:
    """What the Hershey font can draw: accents dropped, other non-ASCII characters as ``?``."""
    decomposed = unicodedata.normalize("NFKD", text)
    out = []
    for ch in decomposed:
        if unicodedata.combining(ch):
            continue
        out.append(ch if 32 <= ord(ch) < 127 else ("?" if not ch.isspace() else " "))
    return "".join(out)


def _text_width(text: str, layout: Layout) -> int:
    return cv2.getTextSize(text, FONT, layout.font, layout.text_thickness)[0][0]


def _iou_cell_width(font: float, thickness: int) -> int:
    return cv2.getTextSize("0.00 ", FONT, font, thickness)[0][0]


def _put(image: np.ndarray, text: str, x: int, y_top: int, colour: RGB, layout: Layout) -> None:
    """Draw ``text`` with its top at ``y_top`` (OpenCV places text by its baseline)."""
    (_, h), _ = cv2.getTextSize("Ag", FONT, layout.font, layout.text_thickness)
    cv2.putText(image, text, (int(x), int(y_top + h)), FONT, layout.font, colour, layout.text_thickness, cv2.LINE_AA)


def wrap(text: str, max_width: int, layout: Layout) -> list[str]:
    """Greedy word wrap to ``max_width`` pixels; a word longer than a line is cut."""
    lines: list[str] = []
    current = ""
    for word in ascii_text(text).split():
        candidate = f"{current} {word}" if current else word
        if _text_width(candidate, layout) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while _text_width(word, layout) > max_width and len(word) > 1:
            cut = len(word)
            while cut > 1 and _text_width(word[:cut], layout) > max_width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def _corners(box: np.ndarray, layout: Layout) -> tuple[int, int, int, int] | None:
    """Pixel corners of an xywh box (pixel-index convention: the box covers x .. x+w-1)."""
    if box is None or not np.all(np.isfinite(box)) or box[2] <= 0 or box[3] <= 0:
        return None
    f = layout.factor
    x0, y0 = round(box[0] * f), round(box[1] * f)
    x1, y1 = round((box[0] + box[2]) * f) - 1, round((box[1] + box[3]) * f) - 1
    limit = 4 * max(layout.width, layout.height)  # OpenCV's integer maths needs sane numbers
    return tuple(int(np.clip(v, -limit, limit)) for v in (x0, y0, max(x0, x1), max(y0, y1)))  # type: ignore[return-value]


def _dashed_rectangle(image: np.ndarray, corners: tuple[int, int, int, int], colour: RGB, thickness: int) -> None:
    x0, y0, x1, y1 = corners
    dash, gap = 3 * thickness + 3, 2 * thickness + 2
    for (ax, ay), (bx, by) in (((x0, y0), (x1, y0)), ((x1, y0), (x1, y1)), ((x1, y1), (x0, y1)), ((x0, y1), (x0, y0))):
        length = max(abs(bx - ax), abs(by - ay))
        steps = np.arange(0, max(length, 1), dash + gap)
        for s in steps:
            e = min(s + dash, length)
            t0, t1 = s / max(length, 1), e / max(length, 1)
            p0 = (round(ax + (bx - ax) * t0), round(ay + (by - ay) * t0))
            p1 = (round(ax + (bx - ax) * t1), round(ay + (by - ay) * t1))
            cv2.line(image, p0, p1, colour, thickness, cv2.LINE_AA)


def _tag(image: np.ndarray, text: str, x: int, y: int, fg: RGB, bg: RGB, layout: Layout) -> None:
    """A small filled label with its top-left corner at (x, y), kept inside the image."""
    (w, h), baseline = cv2.getTextSize(text, FONT, layout.font, layout.text_thickness)
    box_w, box_h = w + 4, h + baseline + 2
    x = int(np.clip(x, 0, max(0, image.shape[1] - box_w)))
    y = int(np.clip(y, 0, max(0, image.shape[0] - box_h)))
    cv2.rectangle(image, (x, y), (x + box_w - 1, y + box_h - 1), bg, -1)
    cv2.putText(image, text, (x + 2, y + h + 1), FONT, layout.font, fg, layout.text_thickness, cv2.LINE_AA)


def _format_iou(value: float) -> str:
    return "-" if not np.isfinite(value) else f"{value:.2f}"


def draw_tile(
    frame: np.ndarray,
    index: int,
    gt_box: np.ndarray | None,
    boxes: Sequence[tuple[RGB, np.ndarray | None, float, bool]],
    layout: Layout,
) -> np.ndarray:
    """One frame with its boxes and, below it, the IoU row.

    ``boxes`` holds, per tracker and in legend order, (colour, box, IoU, grounded): ``grounded`` marks an NL
    run's first-frame box with a "G" tag.  Trackers are drawn in reverse order so that the first one is on top
    of the others; the dashed GT box is drawn last.
    """
    if frame.shape[1] != layout.width or frame.shape[0] != layout.height:
        interpolation = cv2.INTER_AREA if layout.factor < 1 else cv2.INTER_LINEAR
        image = cv2.resize(frame, (layout.width, layout.height), interpolation=interpolation)
    else:
        image = frame.copy()
    for colour, box, _, grounded in reversed(boxes):
        corners = _corners(box, layout) if box is not None else None
        if corners is None:
            continue
        cv2.rectangle(image, corners[:2], corners[2:], colour, layout.line)
        if grounded:
            _tag(image, "G", corners[0], corners[1] - layout.line_height, (0, 0, 0), colour, layout)
    # the GT goes on top: its gaps let the trackers' boxes show through
    gt_corners = _corners(gt_box, layout) if gt_box is not None else None
    if gt_corners is not None:
        _dashed_rectangle(image, gt_corners, (0, 0, 0), layout.line + 2)  # a dark halo keeps white visible on white
        _dashed_rectangle(image, gt_corners, GT_COLOUR, layout.line)
    _tag(image, f"#{index}", 0, 0, TEXT, BACKGROUND, layout)

    row = np.empty((layout.iou_rows * layout.line_height + layout.pad, layout.width, 3), dtype=np.uint8)
    row[:] = BACKGROUND
    cell = _iou_cell_width(layout.font, layout.text_thickness)
    x, y = layout.pad, layout.pad // 2
    for text, colour in [("IoU", MUTED)] + [(_format_iou(value), colour) for colour, _, value, _ in boxes]:
        if x + cell > layout.width - layout.pad + cell // 5 and x > layout.pad:
            x, y = layout.pad, y + layout.line_height
        _put(row, text, x, y, colour, layout)
        x += cell
    return np.vstack([image, row])


def panel(
    width: int,
    layout: Layout,
    names: Sequence[str] = (),
    colours: Sequence[RGB] = (),
    caption: str | None = None,
    grounded: bool = False,
) -> np.ndarray:
    """The legend (GT and each tracker, numbers under the frames are IoU) and/or the wrapped caption."""
    pad, lh = layout.pad, layout.line_height
    swatch = max(6, lh - 6)
    placed: list[tuple[int, int, str, RGB | None, str]] = []  # x, line, text, colour, kind
    if names:
        entries = [("GT", GT_COLOUR, "gt")]
        entries += [(ascii_text(n), c, "box") for n, c in zip(names, colours)]
        if grounded:
            entries.append(("G = grounded first-frame box (NL)", None, "label"))
        x, line = pad, 0
        for text, colour, kind in entries:
            item_w = _text_width(text, layout) + (swatch + 4 if kind != "label" else 0) + 2 * pad
            if x + item_w > width - pad and x > pad:
                x, line = pad, line + 1
            placed.append((x, line, text, colour, kind))
            x += item_w
        legend_lines = line + 1
    else:
        legend_lines = 0
    caption_lines = wrap(caption, width - 2 * pad, layout) if caption else []
    height = (legend_lines + len(caption_lines)) * lh + pad
    out = np.empty((max(height, 1), width, 3), dtype=np.uint8)
    out[:] = BACKGROUND
    for x, line, text, colour, kind in placed:
        y = pad // 2 + line * lh
        if kind == "label":
            _put(out, text, x, y, MUTED, layout)
            continue
        top, left = y + (lh - swatch) // 2 - 1, x
        if kind == "gt":
            _dashed_rectangle(out, (left, top, left + swatch, top + swatch), GT_COLOUR, 1)
        else:
            cv2.rectangle(out, (left, top), (left + swatch, top + swatch), colour, -1)
        _put(out, text, x + swatch + 4, y, colour if kind == "box" else TEXT, layout)
    for i, text in enumerate(caption_lines):
        _put(out, text, pad, pad // 2 + (legend_lines + i) * lh, TEXT, layout)
    return out


def _even(image: np.ndarray) -> np.ndarray:
    """Pad with the background to even width and height (H.264 with 4:2:0 chroma needs both even)."""
    h, w = image.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        return image
    out = np.empty((h + h % 2, w + w % 2, 3), dtype=np.uint8)
    out[:] = BACKGROUND
    out[:h, :w] = image
    return out


def compose_frame(tile: np.ndarray, legend: np.ndarray) -> np.ndarray:
    """One video frame: the tile above the legend-and-caption panel, padded to even sizes."""
    return _even(np.vstack([tile, legend]))


def _row(tiles: Sequence[np.ndarray]) -> np.ndarray:
    height = max(t.shape[0] for t in tiles)
    width = sum(t.shape[1] for t in tiles) + GAP * (len(tiles) - 1)
    out = np.empty((height, width, 3), dtype=np.uint8)
    out[:] = BACKGROUND
    x = 0
    for t in tiles:
        out[: t.shape[0], x : x + t.shape[1]] = t
        x += t.shape[1] + GAP
    return out


def compose_strip(tiles: Sequence[np.ndarray], below: np.ndarray) -> np.ndarray:
    """Key frames side by side with one panel under them (the panel is as wide as the row)."""
    return _even(np.vstack([_row(tiles), below]))


def compose_figure(rows: Sequence[np.ndarray], legend: np.ndarray) -> np.ndarray:
    """Rows (each a strip with its caption) stacked, one legend at the bottom, as in the papers' Fig. 5."""
    width = max(r.shape[1] for r in [*rows, legend])
    parts = []
    for part in [*rows, legend]:
        if part.shape[1] < width:
            padded = np.empty((part.shape[0], width, 3), dtype=np.uint8)
            padded[:] = BACKGROUND
            padded[:, : part.shape[1]] = part
            part = padded
        parts.append(part)
        parts.append(np.full((GAP, width, 3), 255, dtype=np.uint8))
    return _even(np.vstack(parts[:-1]))
