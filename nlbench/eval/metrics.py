"""Per-sequence success, precision and normalized-precision curves: one implementation for every protocol.

The steps follow the reference's preprocessing order (eval-spec §1.8) and are
parametrised by a :class:`~nlbench.eval.protocols.Protocol`.  All trackers (and
runs) of one sequence are evaluated together as a ``(T, N)`` stack, and the curves
come from one sort-free pass: each frame's value is binned against the sorted
thresholds with ``searchsorted`` (``side='left'`` gives the number of thresholds
strictly below it, which is exactly what the strict ``IoU > t`` and inclusive
``e <= t`` comparisons need), then the bins are counted and cumulated.
"""

from __future__ import annotations

from collections.abc import Sequence as SequenceOf
from dataclasses import dataclass

import numpy as np

from nlbench.core import boxes
from nlbench.core.errors import EvaluationError
from nlbench.eval.protocols import Protocol

__all__ = ["Curves", "align_prediction", "batch_curves", "count_curve", "sequence_curves"]

#: Index of the reported point on each curve (eval-spec §1.7).
OP50_INDEX, OP75_INDEX, PRECISION_INDEX, NORM_PRECISION_INDEX = 10, 15, 20, 20


@dataclass(frozen=True)
class Curves:
    """Fractions in [0, 1]; the leading axes are whatever was stacked (trackers, sequences)."""

    success: np.ndarray  # (..., 21) over success thresholds
    precision: np.ndarray  # (..., 51) over pixel thresholds
    norm_precision: np.ndarray  # (..., 51) over normalized thresholds


def _row_list(rows: np.ndarray) -> str:
    first = [int(r) + 1 for r in rows[:3]]
    more = f" and {rows.size - 3} more" if rows.size > 3 else ""
    return ", ".join(map(str, first)) + more


def align_prediction(
    pred: np.ndarray,
    gt: np.ndarray,
    protocol: Protocol,
    lasot_quirks: bool,
    where: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Steps 1 and 3-5 of eval-spec §1.8 for one result: checks, carry-forward, length, first frame.

    Returns the prediction aligned to the N GT rows and the mask of rows that
    count (False only for GT rows that got10k drops after a short result).
    ``where`` names the tracker and sequence in errors.
    """
    pred = np.asarray(pred, dtype=np.float64)
    n_gt, n_pred = gt.shape[0], pred.shape[0]
    # Cheap screening first (a NaN anywhere makes the sum NaN); the row lists only on failure.
    with np.errstate(invalid="ignore"):  # inf - inf in the sum is NaN too, and sends us to the exact check
        suspicious = np.isnan(pred.sum()) or pred[:, 2:].min(initial=0.0) < 0
    if protocol.invalid_pred == "raise" and suspicious:
        nan_rows = np.flatnonzero(np.isnan(pred).any(axis=1))
        if nan_rows.size:
            raise EvaluationError(f"{where}: invalid results, NaN in row(s) {_row_list(nan_rows)} of the result file")
        negative = np.flatnonzero((pred[:, 2] < 0) | (pred[:, 3] < 0))
        if negative.size:
            raise EvaluationError(
                f"{where}: invalid results, negative width or height in row(s) {_row_list(negative)} of the result file"
            )
    rule = protocol.short_rule(lasot_quirks)
    if n_pred < n_gt and rule == "raise":
        raise EvaluationError(
            f"{where}: the result has {n_pred} rows but the ground truth has {n_gt} "
            f"(mis-match in tracker prediction and GT lengths; the {protocol.name} protocol rejects short results here)"
        )
    # Truncating before carrying forward changes nothing: a row inherits only from earlier rows.
    pred = pred[:n_gt]
    m = pred.shape[0]
    size = pred[1:, 2:]
    replace = None
    if protocol.invalid_pred == "carry":
        with np.errstate(invalid="ignore"):
            replace = ~(size > 0).all(axis=1) | np.isnan(pred[1:, :2]).any(axis=1)  # NaN, or size <= 0
    elif protocol.carry_zero_size and (size == 0).any():
        replace = (size == 0).any(axis=1)
    if replace is not None and replace.any():
        replace = np.concatenate(([False], replace))  # frame 0 is never carried (the GT overrides it below)
        # Each replaced row takes the last kept row before it, so runs inherit the same box.
        source = np.maximum.accumulate(np.where(replace, 0, np.arange(m)))
        pred = pred[source]
    counted = np.ones(n_gt, dtype=bool)
    if m < n_gt:
        if rule == "truncate_gt":
            counted[m:] = False
        pred = np.concatenate((pred, np.zeros((n_gt - m, 4))))
    else:
        pred = pred.copy()
    pred[0] = gt[0]
    return pred, counted


def thresholds_below(values: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """For each value, the number of thresholds strictly below it (= ``searchsorted(t, v, 'left')``).

    The thresholds of every protocol are (nearly) evenly spaced, so a guess from
    the spacing is off by at most a step or two; exact comparisons against the
    thresholds then correct it.  This is several times faster than a binary
    search over millions of frames, and gives the same integers.
    """
    k = thresholds.size
    step = (thresholds[-1] - thresholds[0]) / (k - 1)
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = np.ceil((values - thresholds[0]) / step)
    scaled[np.isnan(scaled)] = k  # NaN sorts last, as in searchsorted
    guess = np.clip(scaled, 0, k).astype(np.intp)
    padded = np.concatenate(([-np.inf], thresholds, [np.inf]))
    for _ in range(k + 1):  # converges in one or two rounds
        too_high = (guess > 0) & (padded[guess] >= values)  # threshold guess-1 is not below the value
        too_low = (guess < k) & (padded[guess + 1] < values)  # threshold guess is below the value
        correction = too_low.view(np.int8) - too_high.view(np.int8)
        if not correction.any():
            return guess
        guess += correction
    raise AssertionError("threshold binning did not converge")  # unreachable for sorted thresholds


def count_curve(values: np.ndarray, thresholds: np.ndarray, strict_greater: bool) -> np.ndarray:
    """Count, per row of ``values`` (T, N), the frames above (``>``) or at most (``<=``) each threshold.

    With b = number of thresholds strictly below v: for ``v > t`` the frame
    succeeds at the first b thresholds; for ``v <= t`` from index b on.  NaN must
    be mapped to a failure value by the caller.
    """
    n_rows, n_frames = values.shape
    k = thresholds.size
    bins = thresholds_below(values, thresholds)
    bins += (np.arange(n_rows) * (k + 1))[:, None]
    hist = np.bincount(bins.ravel(), minlength=n_rows * (k + 1)).reshape(n_rows, k + 1)
    if strict_greater:
        return np.cumsum(hist[:, ::-1], axis=1)[:, ::-1][:, 1:]
    return np.cumsum(hist, axis=1)[:, :k]


def _valid_and_absent(
    gt: np.ndarray, visible: np.ndarray | None, protocol: Protocol
) -> tuple[np.ndarray, np.ndarray]:
    x, y, w, h = gt.T
    with np.errstate(invalid="ignore"):
        if protocol.validity == "wh":
            valid_box = (w > 0) & (h > 0)
        elif protocol.validity == "xywh":
            valid_box = (x > 0) & (y > 0) & (w > 0) & (h > 0)
        else:
            valid_box = np.ones(gt.shape[0], dtype=bool)
    absent = np.zeros(gt.shape[0], dtype=bool)
    if protocol.use_visibility and visible is not None:
        flags = np.asarray(visible, dtype=bool)[: gt.shape[0]]
        absent[: flags.size] = ~flags  # a short flag file leaves the remaining frames visible
    elif protocol.absent_from_zero_gt and visible is None:
        absent = np.all(gt == 0, axis=1)
    return valid_box, absent


def _outcome(value: str) -> float:
    # An error of -1 is <= every threshold (success); +inf is above all (failure).
    return -1.0 if value == "success" else np.inf


def sequence_curves(
    predictions: SequenceOf[np.ndarray],
    gt: np.ndarray,
    visible: np.ndarray | None,
    protocol: Protocol,
    lasot_quirks: bool,
    labels: SequenceOf[str],
    sequence: str = "sequence",
) -> Curves:
    """Curves of several results (trackers or runs) on one sequence, shape (T, K) each.

    ``labels[i]`` names result i in error messages ("tracker X, sequence Y").
    """
    gt = np.asarray(gt, dtype=np.float64)
    gt_nan = np.isnan(gt).any(axis=1)
    if gt_nan.any() and protocol.nan_gt == "raise":
        raise EvaluationError(
            f"sequence {sequence}: NaN in ground-truth row(s) "
            f"{_row_list(np.flatnonzero(gt_nan))}; the {protocol.name} protocol cannot evaluate it"
        )
    aligned, counted = zip(*(align_prediction(p, gt, protocol, lasot_quirks, where) for p, where in zip(predictions, labels)))
    pred = np.stack(aligned)  # (T, N, 4)
    counted_mask = np.stack(counted) & ~gt_nan  # (T, N)
    gt_b = gt[None]
    with np.errstate(invalid="ignore", over="ignore"):  # infinite predictions (--allow-non-finite)
        overlap = boxes.iou(pred, gt_b, eps=protocol.iou_eps, clip=protocol.iou_clip)
        error = boxes.center_error(pred, gt_b)
        norm_error = boxes.normalized_center_error(pred, gt_b, divide_first=protocol.norm_divide_first)
    valid_box, absent = _valid_and_absent(gt, visible, protocol)
    invalid = ~valid_box | absent
    overlap_nan = np.isnan(overlap)
    if protocol.invalid_pred == "raise" and overlap_nan.any():
        # Only reachable with infinite predictions (x=-inf, w=+inf): the reference aborts on a valid frame.
        bad = overlap_nan & ~invalid[None]
        if bad.any():
            row = int(np.flatnonzero(bad.any(axis=1))[0])
            raise EvaluationError(
                f"{labels[row]}: the overlap is NaN at frame(s) {_row_list(np.flatnonzero(bad[row]))} "
                "(infinite prediction values); the reference aborts here ('Nans in calculated overlap')"
            )
    # NaN (got10k's unchecked predictions) compares false everywhere: a failure.
    overlap[overlap_nan] = -1.0
    error[np.isnan(error)] = np.inf
    norm_error[np.isnan(norm_error)] = np.inf

    overlap[:, invalid] = -1.0
    bad_box = ~valid_box
    error[:, bad_box] = _outcome(protocol.invalid_box_precision)
    norm_error[:, bad_box] = _outcome(protocol.invalid_box_norm_precision)
    error[:, absent] = _outcome(protocol.absent_precision)
    norm_error[:, absent] = _outcome(protocol.absent_norm_precision)
    if lasot_quirks and protocol.lasot_invisible_fails:
        error[:, absent] = np.inf
        norm_error[:, absent] = np.inf
    # Rows that do not count (got10k) are removed from numerator and denominator.
    overlap[~counted_mask] = -1.0
    error[~counted_mask] = np.inf
    norm_error[~counted_mask] = np.inf

    denominator = counted_mask.sum(axis=1, keepdims=True) + protocol.denominator_eps
    if np.any(denominator == 0):
        raise EvaluationError(f"sequence {sequence}: no ground-truth frame can be evaluated")
    return Curves(
        success=count_curve(overlap, protocol.success_array, strict_greater=True) / denominator,
        precision=count_curve(error, protocol.precision_array, strict_greater=False) / denominator,
        norm_precision=count_curve(norm_error, protocol.norm_array, strict_greater=False) / denominator,
    )


def batch_curves(
    predictions: SequenceOf[np.ndarray],
    owners: SequenceOf[int],
    gts: SequenceOf[np.ndarray],
    visibles: SequenceOf[np.ndarray | None],
    protocol: Protocol,
    lasot_quirks: bool,
) -> Curves | None:
    """Curves of many results at once, shape (I, K) each: result i is scored against sequence ``owners[i]``.

    Every frame of every result is concatenated and each step of :func:`sequence_curves` runs once
    over all of them (the steps are elementwise, so every number is bit-identical to scoring the
    sequences one by one); per-result curves come from one ``bincount`` over (result, threshold bin).
    Returns None when some result or sequence would raise: the caller then scores sequence by
    sequence, which names the first problem in dataset order.
    """
    n_items = len(predictions)
    gt_len = np.fromiter((g.shape[0] for g in gts), dtype=np.intp, count=len(gts))
    if n_items == 0 or gt_len.min(initial=1) == 0:
        return None
    gt_all = np.concatenate(gts).astype(np.float64, copy=False)
    gt_start = np.concatenate(([0], np.cumsum(gt_len)[:-1]))
    gt_nan_all = _any_column(np.isnan(gt_all))
    if protocol.nan_gt == "raise" and gt_nan_all.any():
        return None
    owners = np.asarray(owners, dtype=np.intp)
    n = gt_len[owners]  # GT rows of each result's sequence
    m_raw = np.fromiter((p.shape[0] for p in predictions), dtype=np.intp, count=n_items)
    rule = protocol.short_rule(lasot_quirks)
    if rule == "raise" and np.any(m_raw < n):
        return None
    m = np.minimum(m_raw, n)
    # Truncated predictions, concatenated: P[k] is row k - p_start[i] of result i.
    pred = np.concatenate([np.asarray(p, dtype=np.float64)[:k] for p, k in zip(predictions, m)])
    if protocol.invalid_pred == "raise":
        with np.errstate(invalid="ignore"):
            full = [np.asarray(p, dtype=np.float64) for p in predictions]
            if any(np.isnan(p.sum()) or p[:, 2:].min(initial=0.0) < 0 for p in full):
                return None  # the per-sequence path names the row (it checks the whole file, not only its first N rows)
    p_start = np.concatenate(([0], np.cumsum(m)[:-1]))
    total_p = pred.shape[0]
    first = np.zeros(total_p, dtype=bool)
    first[p_start[m > 0]] = True
    w, h = pred[:, 2], pred[:, 3]
    replace = None
    if protocol.invalid_pred == "carry":
        with np.errstate(invalid="ignore"):
            replace = ~((w > 0) & (h > 0)) | np.isnan(pred[:, 0]) | np.isnan(pred[:, 1])
    elif protocol.carry_zero_size:
        replace = (w == 0) | (h == 0)
    if replace is not None:
        replace &= ~first  # frame 0 of a result is never carried (and stops the carry of the previous one)
        if replace.any():
            source = np.maximum.accumulate(np.where(replace, 0, np.arange(total_p)))
            pred = pred[source]
    # Aligned to the GT: result i occupies rows a_start[i] .. a_start[i] + n[i] of A.
    total = int(n.sum())
    a_start = np.concatenate(([0], np.cumsum(n)[:-1]))
    item_of_row = np.repeat(np.arange(n_items), n)
    # Column-major (x, y, w and h each contiguous): the box arithmetic streams over columns.
    aligned = np.zeros((total, 4), order="F")
    dest = np.arange(total_p) + np.repeat(a_start - p_start, m)
    aligned[dest] = pred
    gt_rows = np.arange(total) - np.repeat(a_start, n) + np.repeat(gt_start[owners], n)  # row of gt_all
    gt = np.empty((total, 4), order="F")
    for column, values in enumerate(np.asfortranarray(gt_all).T):
        values.take(gt_rows, out=gt[:, column])
    aligned[a_start] = gt[a_start]  # first-frame override
    counted = ~gt_nan_all[gt_rows]
    if rule == "truncate_gt":
        counted &= (np.arange(total) - np.repeat(a_start, n)) < np.repeat(m, n)

    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        overlap = boxes.iou(aligned, gt, eps=protocol.iou_eps, clip=protocol.iou_clip)
        error = boxes.center_error(aligned, gt)
        norm_error = boxes.normalized_center_error(aligned, gt, divide_first=protocol.norm_divide_first)
    valid_parts, absent_parts = zip(*(_valid_and_absent(g, v, protocol) for g, v in zip(gts, visibles)))
    valid_box = np.concatenate(valid_parts)[gt_rows]
    absent = np.concatenate(absent_parts)[gt_rows]
    invalid = ~valid_box | absent
    overlap_nan = np.isnan(overlap)
    if protocol.invalid_pred == "raise" and (overlap_nan & ~invalid).any():
        return None
    overlap[overlap_nan] = -1.0
    error[np.isnan(error)] = np.inf
    norm_error[np.isnan(norm_error)] = np.inf
    overlap[invalid] = -1.0
    bad_box = ~valid_box
    error[bad_box] = _outcome(protocol.invalid_box_precision)
    norm_error[bad_box] = _outcome(protocol.invalid_box_norm_precision)
    error[absent] = _outcome(protocol.absent_precision)
    norm_error[absent] = _outcome(protocol.absent_norm_precision)
    if lasot_quirks and protocol.lasot_invisible_fails:
        error[absent] = np.inf
        norm_error[absent] = np.inf
    not_counted = ~counted
    overlap[not_counted] = -1.0
    error[not_counted] = np.inf
    norm_error[not_counted] = np.inf

    denominator = np.add.reduceat(counted.astype(np.intp), a_start)[:, None] + protocol.denominator_eps
    if np.any(denominator == 0):
        return None

    def curve(values: np.ndarray, thresholds: np.ndarray, strict_greater: bool) -> np.ndarray:
        k = thresholds.size
        bins = thresholds_below(values, thresholds)
        bins += item_of_row * (k + 1)
        hist = np.bincount(bins, minlength=n_items * (k + 1)).reshape(n_items, k + 1)
        if strict_greater:
            return np.cumsum(hist[:, ::-1], axis=1)[:, ::-1][:, 1:]
        return np.cumsum(hist, axis=1)[:, :k]

    return Curves(
        success=curve(overlap, protocol.success_array, True) / denominator,
        precision=curve(error, protocol.precision_array, False) / denominator,
        norm_precision=curve(norm_error, protocol.norm_array, False) / denominator,
    )


def _any_column(flags: np.ndarray) -> np.ndarray:
    """``flags.any(axis=1)`` for an (N, k) array, written out (numpy reduces a short axis slowly)."""
    out = flags[:, 0].copy()
    for column in range(1, flags.shape[1]):
        out |= flags[:, column]
    return out
