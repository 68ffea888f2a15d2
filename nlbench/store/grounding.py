"""Grounding predictions files: one row per sample with ids, sentence, predicted and GT boxes, image size.

CSV (header + rows) or JSON lines, written atomically; floats are written with ``repr`` so a rescore
reproduces every tie decision (:func:`nlbench.eval.grounding.score_records`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from typing import Sequence as Seq

import numpy as np

from nlbench.core.errors import ResultFormatError
from nlbench.core.io import atomic_write_text
from nlbench.core.types import GroundingRecord

__all__ = ["load_predictions", "read_first_frame_boxes", "save_predictions"]

_COLUMNS = (
    "index", "ref_id", "ann_id", "image_id", "split", "unit", "image", "width", "height", "sentence",
    "pred_x", "pred_y", "pred_w", "pred_h", "gt_x", "gt_y", "gt_w", "gt_h",
)  # fmt: skip


def _row(record: GroundingRecord) -> dict[str, Any]:
    row: dict[str, Any] = {
        "index": record.index,
        "ref_id": record.ref_id,
        "ann_id": record.ann_id,
        "image_id": record.image_id,
        "split": record.split,
        "unit": record.unit,
        "image": record.image,
        "width": record.width,
        "height": record.height,
        "sentence": record.sentence,
    }
    # repr() round-trips a float64 exactly, so a rescore reproduces every tie decision
    for prefix, box in (("pred", record.pred), ("gt", record.gt)):
        for key, value in zip("xywh", box):
            row[f"{prefix}_{key}"] = float(value)
    return row


def save_predictions(path: str | Path, records: Seq[GroundingRecord]) -> Path:
    """Write records atomically: ``.jsonl`` → JSON lines, anything else → CSV (header + one row per sample)."""
    path = Path(path)
    rows = [_row(r) for r in records]
    if path.suffix.lower() in (".jsonl", ".json"):
        text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: ("" if v is None else repr(v) if isinstance(v, float) else v) for k, v in row.items()})
        text = buffer.getvalue()
    return atomic_write_text(path, text)


def _record_from(row: dict[str, Any], where: str) -> GroundingRecord:
    try:

        def number(key: str) -> float:
            return float(row[key])

        def optional_int(key: str) -> int | None:
            value = row.get(key)
            return None if value in (None, "") else int(value)

        pred = np.array([number(f"pred_{k}") for k in "xywh"], dtype=np.float64)
        gt = np.array([number(f"gt_{k}") for k in "xywh"], dtype=np.float64)
        if not np.isfinite(gt).all():
            raise ValueError("ground-truth box is not finite")
        return GroundingRecord(
            index=int(row["index"]),
            sentence=str(row.get("sentence", "")),
            pred=pred,
            gt=gt,
            width=optional_int("width"),
            height=optional_int("height"),
            ref_id=optional_int("ref_id"),
            ann_id=optional_int("ann_id"),
            image_id=optional_int("image_id"),
            image=str(row.get("image", "")),
            split=str(row.get("split", "")),
            unit=str(row.get("unit", "") or "ref"),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise ResultFormatError(f"{where}: bad prediction row ({type(exc).__name__}: {exc})") from None


def load_predictions(path: str | Path) -> list[GroundingRecord]:
    """Read a predictions file written by :func:`save_predictions` (CSV or JSON lines)."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ResultFormatError(f"{path}: predictions file not found") from None
    records = []
    if path.suffix.lower() in (".jsonl", ".json"):
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ResultFormatError(f"{path}:{lineno}: not JSON ({exc.msg})") from None
            records.append(_record_from(row, f"{path}:{lineno}"))
    else:
        reader = csv.DictReader(io.StringIO(text))
        missing = [c for c in ("index", "pred_x", "pred_y", "pred_w", "pred_h", "gt_x", "gt_y", "gt_w", "gt_h")
                   if c not in (reader.fieldnames or [])]  # fmt: skip
        if missing:
            raise ResultFormatError(f"{path}:1: header lacks {', '.join(missing)}")
        for lineno, row in enumerate(reader, start=2):
            records.append(_record_from(row, f"{path}:{lineno}"))
    if not records:
        raise ResultFormatError(f"{path}: no predictions")
    return records


# ------------------------------------------------------------------------ first-frame boxes of tracking runs


def read_first_frame_boxes(
    result_dir: str | Path, sequence_names: Seq[str], aliases: Mapping[str, Iterable[str]] | None = None
) -> dict[str, list[np.ndarray]]:
    """``<seq>_ground.txt`` beside each found ``<seq>.txt`` (NL-mode runs): one ``(4,)`` box per run folder."""
    from nlbench.store.layouts import find_result_files
    from nlbench.store.parse_cache import read_result_file

    boxes: dict[str, list[np.ndarray]] = {}
    for name, paths in find_result_files(result_dir, sequence_names, aliases).items():
        for path in paths:
            ground = path.with_name(f"{path.stem}_ground.txt")
            if not ground.is_file():
                continue
            values = read_result_file(ground)
            if values.shape[0] == 0:
                raise ResultFormatError(f"{ground}: empty; expected the grounded first-frame box x y w h")
            boxes.setdefault(name, []).append(values[0])
    return boxes
