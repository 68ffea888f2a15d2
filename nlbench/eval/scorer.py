"""The one scorer: success, precision and normalized-precision curves of many results at once.

Result ``i`` of ``predictions`` is scored against sequence ``owners[i]``.  The frames of all results
lie end to end, each frame knows its result (the per-frame owner index), and every rule of the
:class:`~nlbench.eval.protocols.Protocol` runs once over all of them; a curve is one ``bincount`` over
(result, threshold bin).  Scoring one sequence is the same code with one owner (:func:`score_sequence`).
Every step is elementwise, so scoring results together gives the same bits as scoring each alone.

The steps, in the reference's preprocessing order (eval-spec §1.8):

1. :func:`_first_problem` checks the inputs (NaN ground truth, invalid predictions, short results)
   and finds the first problem in dataset order: sequence by sequence, within one the results in
   the given order, each checked as the reference checks them.
2. :func:`align`: truncation, carry-forward of invalid or zero-size boxes, padding, the first-frame
   override, and which frames count.
3. :func:`_measure`: IoU, centre error and normalized centre error (``nlbench.core.boxes``).
4. :func:`_apply_outcomes`: what invalid-box, absent and uncounted frames score.
5. :func:`_late_problems` (a NaN overlap on a valid frame, no frame to count) and the denominator.

When step 1 finds a problem, only the sequences before it are scored, to see whether one of them
fails later on (steps 4-5); the first problem in dataset order is raised.  There is no other path.

Adding a rule: add the field to ``Protocol`` (``nlbench/eval/protocols.py``) and read it in the one
step above that it changes — an input it rejects in ``_first_problem``, boxes it rewrites in
``align``, per-frame values in ``_measure``, frame outcomes in ``_apply_outcomes``, the denominator
in ``_score_chunk``.  Nothing else in nlbench scores frames; ``tests/test_eval_batch.py`` checks
for every protocol that results scored together equal each scored alone.
"""

from __future__ import annotations

import os
from collections.abc import Sequence as SequenceOf
from dataclasses import dataclass

import numpy as np

from nlbench.core import boxes
from nlbench.core.errors import EvaluationError
from nlbench.core.types import Sequence
from nlbench.eval.protocols import Protocol

__all__ = [
    "NORM_PRECISION_INDEX",
    "OP50_INDEX",
    "OP75_INDEX",
    "PRECISION_INDEX",
    "Curves",
    "align",
    "count_curve",
    "score",
    "score_sequence",
    "thresholds_below",
]

#: Index of the reported point on each curve (eval-spec §1.7).
OP50_INDEX, OP75_INDEX, PRECISION_INDEX, NORM_PRECISION_INDEX = 10, 15, 20, 20

#: Frames scored together: enough that numpy's per-call cost vanishes, few enough that the
#: temporaries stay in cache and their memory is reused from one chunk to the next.
_CHUNK_FRAMES = 1 << 16
#: Threads that score chunks side by side (more than the cores only add contention).
_THREADS = 2


@dataclass(frozen=True)
class Curves:
    """Fractions in [0, 1]; the leading axes are whatever was stacked (results, sequences)."""

    success: np.ndarray  # (..., 21) over success thresholds
    precision: np.ndarray  # (..., 51) over pixel thresholds
    norm_precision: np.ndarray  # (..., 51) over normalized thresholds


@dataclass(frozen=True, order=True)
class _Problem:
    """A reason to refuse, ordered as the reference meets them: sequence, step, result."""

    owner: int
    step: int  # 0 NaN ground truth, 1 a result's checks, 2 NaN overlap, 3 nothing to count
    position: int  # the result, in the given order
    message: str


@dataclass(frozen=True)
class _Truth:
    """The ground truth of every sequence end to end: sequence s is rows start[s] .. start[s] + length[s]."""

    boxes: np.ndarray  # (R, 4), column-major
    start: np.ndarray  # (S,)
    length: np.ndarray  # (S,)
    nan: np.ndarray  # (R,) a NaN in the row
    valid: np.ndarray  # (R,) the box passes the protocol's validity rule
    absent: np.ndarray  # (R,) the target is absent (visibility flags, or 0,0,0,0 rows for TNL2K MATLAB)
    size: np.ndarray  # (S, 2) each sequence's frame width and height (``Sequence.image_size``), NaN when unknown


@dataclass(frozen=True)
class _Aligned:
    """Step 2's output: result i is frames start[i] .. start[i] + length[i] (its sequence's GT rows)."""

    boxes: np.ndarray  # (F, 4) column-major: the prediction of each frame
    gt: np.ndarray  # (F, 4) column-major: the ground truth of each frame
    counted: np.ndarray  # (F,) the frame counts (numerator and denominator)
    valid: np.ndarray  # (F,) its GT box passes the validity rule
    absent: np.ndarray  # (F,) the target is absent
    owner: np.ndarray  # (F,) the result of each frame
    start: np.ndarray  # (I,)
    length: np.ndarray  # (I,)

    def frame_numbers(self, i: int, mask: np.ndarray) -> np.ndarray:
        """The frames of result i (from 0) where ``mask`` holds."""
        start = int(self.start[i])
        return np.flatnonzero(mask[start : start + int(self.length[i])])


def score(
    predictions: SequenceOf[np.ndarray],
    owners: SequenceOf[int],
    sequences: SequenceOf[Sequence],
    protocol: Protocol,
    lasot_quirks: bool,
    labels: SequenceOf[str],
) -> Curves:
    """Curves of every result, shape (I, K) each: result i against ``sequences[owners[i]]``.

    ``labels[i]`` names result i in errors ("tracker X, sequence Y").  Raises :class:`EvaluationError`
    for the first problem in dataset order (sequence order, then the order of ``predictions``).
    """
    predictions = [np.asarray(p, dtype=np.float64).reshape(-1, 4) for p in predictions]
    owner = np.asarray(owners, dtype=np.intp).reshape(-1)
    truth = _truth(sequences, protocol)
    names = [s.name for s in sequences]
    rule = protocol.short_rule(lasot_quirks)
    problem = _first_problem(predictions, owner, names, truth, protocol, rule, labels)
    scored = np.arange(owner.size) if problem is None else np.flatnonzero(owner < problem.owner)

    def score_chunk(chunk: np.ndarray) -> tuple[Curves, list[_Problem]]:
        return _score_chunk([predictions[i] for i in chunk], owner[chunk], chunk, truth, protocol, lasot_quirks, rule,
                            labels, names)  # fmt: skip

    chunks = _chunks(scored, truth.length[owner[scored]])
    workers = min(_THREADS, os.cpu_count() or 1, len(chunks))
    if workers > 1:  # numpy releases the GIL in the array work; map() keeps the order
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(workers) as pool:
            scored_chunks = list(pool.map(score_chunk, chunks))
    else:
        scored_chunks = [score_chunk(chunk) for chunk in chunks]
    parts = [curves for curves, _ in scored_chunks]
    late = [problem for _, found in scored_chunks for problem in found]
    if late or problem is not None:
        raise EvaluationError(min([*late, *([problem] if problem else [])]).message)
    sizes = (protocol.success_array.size, protocol.precision_array.size, protocol.norm_array.size)
    return Curves(*(np.concatenate([getattr(p, f) for p in parts] or [np.zeros((0, k))])
                    for f, k in zip(("success", "precision", "norm_precision"), sizes)))  # fmt: skip


def score_sequence(
    predictions: SequenceOf[np.ndarray],
    gt: np.ndarray,
    visible: np.ndarray | None,
    protocol: Protocol,
    lasot_quirks: bool,
    labels: SequenceOf[str],
    sequence: str = "sequence",
    image_size: tuple[int, int] | None = None,
) -> Curves:
    """:func:`score` with one owner: several results (trackers, runs) on one sequence, shape (T, K) each."""
    target = Sequence(name=sequence, dataset="", frames=(), gt=np.asarray(gt, dtype=np.float64), visible=visible,
                      image_size=image_size)  # fmt: skip
    return score(predictions, [0] * len(predictions), [target], protocol, lasot_quirks, labels)


def align(
    predictions: SequenceOf[np.ndarray],
    owners: SequenceOf[int],
    sequences: SequenceOf[Sequence],
    protocol: Protocol,
    lasot_quirks: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Step 2 on valid inputs: the predictions aligned to their GT rows, end to end, and the frames that count.

    Result i occupies the next ``len(sequences[owners[i]].gt)`` rows.  :func:`score` checks the inputs first.
    """
    predictions = [np.asarray(p, dtype=np.float64).reshape(-1, 4) for p in predictions]
    owner = np.asarray(owners, dtype=np.intp).reshape(-1)
    aligned = _align(predictions, owner, _truth(sequences, protocol), protocol, protocol.short_rule(lasot_quirks))
    return aligned.boxes, aligned.counted


# -- step 1: inputs --------------------------------------------------------------------------------


def _row_list(rows: np.ndarray) -> str:
    first = [int(r) + 1 for r in rows[:3]]
    more = f" and {rows.size - 3} more" if rows.size > 3 else ""
    return ", ".join(map(str, first)) + more


def _first_problem(
    predictions: list[np.ndarray],
    owner: np.ndarray,
    names: SequenceOf[str],
    truth: _Truth,
    protocol: Protocol,
    rule: str,
    labels: SequenceOf[str],
) -> _Problem | None:
    """The first input problem in dataset order, or None; cheap screens first, row lists only on failure."""
    order = np.argsort(owner, kind="stable")
    bounds = np.flatnonzero(np.diff(owner[order], prepend=-1, append=-1))
    for first, stop in zip(bounds[:-1], bounds[1:]):
        s = int(owner[order[first]])
        start, n = int(truth.start[s]), int(truth.length[s])
        name = names[s]
        if protocol.nan_gt == "raise" and truth.nan[start : start + n].any():
            rows = _row_list(np.flatnonzero(truth.nan[start : start + n]))
            return _Problem(s, 0, 0, f"sequence {name}: NaN in ground-truth row(s) {rows}; "
                                     f"the {protocol.name} protocol cannot evaluate it")  # fmt: skip
        if protocol.clip_to_image and np.isnan(truth.size[s]).any():
            return _Problem(s, 0, 0, f"sequence {name}: the {protocol.name} protocol clips predictions to the frame, "
                                     "whose size is unknown (no frames under the root); point --root at a copy with "
                                     "the first frame of every sequence")  # fmt: skip
        for i in order[first:stop]:
            message = _result_problem(predictions[i], n, protocol, rule, labels[i])
            if message is not None:
                return _Problem(s, 1, int(i), message)
        if n == 0:
            return _Problem(s, 3, 0, f"sequence {name}: no ground-truth frame can be evaluated")
    return None


def _result_problem(pred: np.ndarray, n_gt: int, protocol: Protocol, rule: str, where: str) -> str | None:
    """The reference's checks of one result file (the whole file, before truncation), in its order."""
    if protocol.invalid_pred == "raise":
        with np.errstate(invalid="ignore"):  # inf - inf in the sum is NaN too, and leads to the exact check
            suspicious = np.isnan(pred.sum()) or pred[:, 2:].min(initial=0.0) < 0
        if suspicious:
            nan_rows = np.flatnonzero(np.isnan(pred).any(axis=1))
            if nan_rows.size:
                return f"{where}: invalid results, NaN in row(s) {_row_list(nan_rows)} of the result file"
            negative = np.flatnonzero((pred[:, 2] < 0) | (pred[:, 3] < 0))
            if negative.size:
                return (f"{where}: invalid results, negative width or height in row(s) {_row_list(negative)} "
                        "of the result file")  # fmt: skip
    if rule == "raise" and pred.shape[0] < n_gt:
        return (f"{where}: the result has {pred.shape[0]} rows but the ground truth has {n_gt} (mis-match in "
                f"tracker prediction and GT lengths; the {protocol.name} protocol rejects short results here)")  # fmt: skip
    if protocol.long_result == "raise" and pred.shape[0] > n_gt:
        return (f"{where}: the result has {pred.shape[0]} rows but the ground truth has {n_gt}; the {protocol.name} "
                "protocol requires equal lengths")  # fmt: skip
    return None


def _truth(sequences: SequenceOf[Sequence], protocol: Protocol) -> _Truth:
    """Every sequence's GT end to end, with the validity rule and the absent frames (eval-spec §1.8 step 6)."""
    gts = [np.asarray(s.gt, dtype=np.float64).reshape(-1, 4) for s in sequences]
    length = np.fromiter((g.shape[0] for g in gts), dtype=np.intp, count=len(gts))
    start = np.concatenate(([0], np.cumsum(length)[:-1])).astype(np.intp)
    gt = np.asfortranarray(np.concatenate(gts) if gts else np.zeros((0, 4)))
    x, y, w, h = gt.T
    with np.errstate(invalid="ignore"):
        if protocol.validity == "wh":
            valid = (w > 0) & (h > 0)
        elif protocol.validity == "xywh":
            valid = (x > 0) & (y > 0) & (w > 0) & (h > 0)
        else:
            valid = np.ones(gt.shape[0], dtype=bool)
    absent = np.zeros(gt.shape[0], dtype=bool)
    for s, first, n in zip(sequences, start, length):
        if protocol.use_visibility and s.visible is not None:
            flags = np.asarray(s.visible, dtype=bool)[:n]
            absent[first : first + flags.size] = ~flags  # a short flag file leaves the remaining frames visible
        elif protocol.absent_from_zero_gt and s.visible is None:
            absent[first : first + n] = (gt[first : first + n] == 0).all(axis=1)
    nan = np.isnan(x) | np.isnan(y) | np.isnan(w) | np.isnan(h)
    size = np.array([s.image_size if s.image_size else (np.nan, np.nan) for s in sequences], dtype=np.float64)
    return _Truth(boxes=gt, start=start, length=length, nan=nan, valid=valid, absent=absent, size=size.reshape(-1, 2))


# -- steps 2-5: scoring ----------------------------------------------------------------------------


def _chunks(results: np.ndarray, frames: np.ndarray) -> list[np.ndarray]:
    """Consecutive groups of results, each ending with the result that reaches ``_CHUNK_FRAMES`` frames."""
    ends = np.cumsum(frames)
    chunks, start = [], 0
    while start < results.size:
        before = int(ends[start - 1]) if start else 0
        stop = int(np.searchsorted(ends, before + _CHUNK_FRAMES, "left")) + 1
        chunks.append(results[start:stop])
        start = stop
    return chunks


def _align(predictions: list[np.ndarray], owner: np.ndarray, truth: _Truth, protocol: Protocol, rule: str) -> _Aligned:
    """Steps 1 and 3-5 of eval-spec §1.8: carry-forward, length, first frame; and which frames count."""
    length = truth.length[owner]
    start = np.concatenate(([0], np.cumsum(length)[:-1])).astype(np.intp)
    total = int(length.sum())
    # Column-major (x, y, w and h each contiguous): the box arithmetic streams over columns.
    aligned = np.zeros((total, 4), order="F")  # rows past a short result stay 0,0,0,0 (padding)
    gt = np.empty((total, 4), order="F")
    nan, valid, absent = (np.empty(total, dtype=bool) for _ in range(3))
    kept = np.zeros(total, dtype=bool)  # rows 1.. of the prediction (row 0 is never carried)
    for pred, s, first, n in zip(predictions, owner, start, length):
        rows = min(pred.shape[0], n)  # truncating before carrying forward changes nothing: rows inherit from earlier ones
        aligned[first : first + rows] = pred[:rows]
        kept[first + 1 : first + rows] = True
        g = truth.start[s]
        gt[first : first + n] = truth.boxes[g : g + n]
        nan[first : first + n] = truth.nan[g : g + n]
        valid[first : first + n] = truth.valid[g : g + n]
        absent[first : first + n] = truth.absent[g : g + n]
    if protocol.clip_to_image:  # before anything else, padding rows included (MGIT: no row is padded)
        _clip_to_image(aligned, np.repeat(truth.size[owner], length, axis=0))
    w, h = aligned[:, 2], aligned[:, 3]
    replace = None
    if protocol.invalid_pred == "carry":
        with np.errstate(invalid="ignore"):
            if protocol.carry_nan == "all":  # the OTB toolkit: size <= 0, or four NaN
                replace = (w <= 0) | (h <= 0) | np.isnan(aligned).all(axis=1)
            else:
                replace = ~((w > 0) & (h > 0)) | np.isnan(aligned[:, 0]) | np.isnan(aligned[:, 1])  # NaN, or size <= 0
    elif protocol.carry_zero_size:
        replace = (w == 0) | (h == 0)
    if replace is not None:
        replace &= kept
        if replace.any():
            # Each replaced row takes the last kept row before it (its result's row 0 at the earliest).
            aligned = aligned[np.maximum.accumulate(np.where(replace, 0, np.arange(total)))]
    firsts = start[length > 0]
    if protocol.first_frame_gt:
        aligned[firsts] = gt[firsts]  # the first frame is the given box
    counted = ~nan
    if protocol.exclude_absent:
        counted &= ~absent
    if rule == "truncate_gt":
        for pred, first, n in zip(predictions, start, length):
            counted[first + min(pred.shape[0], n) : first + n] = False
    of_frame = np.repeat(np.arange(len(predictions)), length)
    return _Aligned(boxes=aligned, gt=gt, counted=counted, valid=valid, absent=absent, owner=of_frame,
                    start=start, length=length)  # fmt: skip


def _measure(aligned: np.ndarray, gt: np.ndarray, protocol: Protocol) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per frame: IoU, centre error, normalized centre error (eval-spec §1.2-§1.4)."""
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):  # infinite predictions (--allow-non-finite)
        overlap = boxes.iou(aligned, gt, eps=protocol.iou_eps, clip=protocol.iou_clip,
                               nan_skipping=protocol.overlap_skips_nan)
        error = boxes.center_error(aligned, gt)
        norm_error = boxes.normalized_center_error(aligned, gt, divide_first=protocol.norm_divide_first,
                                                   size_eps=protocol.norm_size_eps)  # fmt: skip
        if protocol.overlap_measure == "complete_iou":
            overlap = boxes.complete_iou(aligned, gt)
    if protocol.norm_precision_measure == "center_in_box":  # 0 inside, +inf outside: the share at every threshold
        norm_error = np.where(boxes.center_in_box(aligned, gt), 0.0, np.inf)
    return overlap, error, norm_error


def _clip_to_image(aligned: np.ndarray, size: np.ndarray) -> None:
    """``Protocol.clip_to_image`` in place: each box moved, then cut, into its frame (VCT's order)."""
    with np.errstate(invalid="ignore"):
        for axis in (0, 1):
            start = aligned[:, axis]
            start[:] = np.where(start > 0, start, 0.0)  # NaN > 0 is false: NaN becomes 0
            room = size[:, axis] - start
            extent = aligned[:, axis + 2]
            extent[:] = np.where(extent < room, extent, room)


def _outcome(value: str) -> float:
    # An error of -1 is <= every threshold (success); +inf is above all (failure).
    return -1.0 if value == "success" else np.inf


def _apply_outcomes(
    overlap: np.ndarray, error: np.ndarray, norm_error: np.ndarray, valid: np.ndarray, absent: np.ndarray,
    counted: np.ndarray, protocol: Protocol, lasot_quirks: bool,
) -> None:  # fmt: skip
    """Eval-spec §1.8 steps 7-8 and §1.9, in place: frames that fail or succeed whatever the prediction."""
    # NaN (got10k's unchecked predictions) compares false everywhere: a failure.
    overlap[np.isnan(overlap)] = -1.0
    error[np.isnan(error)] = np.inf
    norm_error[np.isnan(norm_error)] = np.inf
    overlap[~valid | absent] = -1.0
    bad_box = ~valid
    error[bad_box] = _outcome(protocol.invalid_box_precision)
    norm_error[bad_box] = _outcome(protocol.invalid_box_norm_precision)
    error[absent] = _outcome(protocol.absent_precision)
    norm_error[absent] = _outcome(protocol.absent_norm_precision)
    if lasot_quirks and protocol.lasot_invisible_fails:
        error[absent] = np.inf
        norm_error[absent] = np.inf
    # Frames that do not count (got10k) leave numerator and denominator.
    not_counted = ~counted
    overlap[not_counted] = -1.0
    error[not_counted] = np.inf
    norm_error[not_counted] = np.inf


def _score_chunk(
    predictions: list[np.ndarray], owner: np.ndarray, positions: np.ndarray, truth: _Truth, protocol: Protocol,
    lasot_quirks: bool, rule: str, labels: SequenceOf[str], names: SequenceOf[str],
) -> tuple[Curves, list[_Problem]]:  # fmt: skip
    """Steps 2-5 for checked results; ``positions`` are their indices in the caller's order (for errors)."""
    frames = _align(predictions, owner, truth, protocol, rule)
    overlap, error, norm_error = _measure(frames.boxes, frames.gt, protocol)
    problems = _late_problems(overlap, frames, owner, positions, protocol, labels)
    _apply_outcomes(overlap, error, norm_error, frames.valid, frames.absent, frames.counted, protocol, lasot_quirks)
    n_items = len(predictions)
    denominator = np.bincount(frames.owner[frames.counted], minlength=n_items)[:, None] + protocol.denominator_eps
    for i in np.flatnonzero(denominator[:, 0] == 0):
        problems.append(_Problem(int(owner[i]), 3, 0, f"sequence {names[owner[i]]}: no ground-truth frame can be evaluated"))
    counts = [count_curve(overlap, frames.owner, n_items, protocol.success_array, strict_greater=True),
              _error_curve(error, frames.owner, n_items, protocol.precision_array, protocol.precision_strict),
              count_curve(norm_error, frames.owner, n_items, protocol.norm_array, strict_greater=False)]  # fmt: skip
    with np.errstate(invalid="ignore", divide="ignore"):  # a zero denominator is a problem above, raised by score()
        return Curves(*(c / denominator for c in counts)), problems


def _late_problems(
    overlap: np.ndarray, frames: _Aligned, owner: np.ndarray, positions: np.ndarray, protocol: Protocol,
    labels: SequenceOf[str],
) -> list[_Problem]:  # fmt: skip
    """A NaN overlap on a valid, present frame: the reference aborts ('Nans in calculated overlap')."""
    if protocol.invalid_pred != "raise":
        return []
    bad = np.isnan(overlap) & frames.valid & ~frames.absent  # only reachable with infinite predictions (x=-inf, w=+inf)
    if not bad.any():
        return []
    out = []
    for i in np.unique(frames.owner[bad]):
        where = frames.frame_numbers(int(i), bad)
        out.append(_Problem(int(owner[i]), 2, int(positions[i]),
                            f"{labels[positions[i]]}: the overlap is NaN at frame(s) {_row_list(where)} (infinite "
                            "prediction values); the reference aborts here ('Nans in calculated overlap')"))  # fmt: skip
    return out


def thresholds_below(values: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """For each value, the number of thresholds strictly below it (= ``searchsorted(t, v, 'left')``).

    The thresholds of every protocol are (nearly) evenly spaced, so a guess from
    the spacing is off by at most a step or two; exact comparisons against the
    thresholds then correct it (whole-number thresholds from 0 need none).  This is
    several times faster than a binary search over millions of frames, and gives
    the same integers.
    """
    k = thresholds.size
    start = thresholds[0]
    step = (thresholds[-1] - start) / (k - 1)
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = np.subtract(values, start)
        scaled /= step
        np.ceil(scaled, out=scaled)
        np.fmin(scaled, k, out=scaled)  # NaN becomes k: it sorts last, as in searchsorted
        np.fmax(scaled, 0, out=scaled)
    guess = scaled.astype(np.intp)
    if start == 0.0 and step == 1.0 and np.array_equal(thresholds, np.arange(k)):
        return guess  # the pixel thresholds 0, 1, ..: v - 0 and ceil are exact, and v <= t  <=>  ceil(v) <= t
    padded = np.concatenate(([-np.inf], thresholds, [np.inf]))
    for _ in range(k + 1):  # converges in one or two rounds
        too_high = padded.take(guess) >= values  # threshold guess-1 is not below the value
        too_high &= guess > 0
        too_low = padded.take(guess + 1) < values  # threshold guess is below the value
        correction = too_low.view(np.int8) - too_high.view(np.int8)
        if not correction.any():
            return guess
        guess += correction
    raise AssertionError("threshold binning did not converge")  # unreachable for sorted thresholds


def count_curve(
    values: np.ndarray, owner: np.ndarray, n_owners: int, thresholds: np.ndarray, strict_greater: bool
) -> np.ndarray:
    """Per owner, how many of its values are above (``>``) or at most (``<=``) each threshold: (n_owners, K).

    With b = the number of thresholds strictly below v: ``v > t`` holds at the first b thresholds,
    ``v <= t`` from index b on.  The caller maps NaN to a failing value first.
    """
    k = thresholds.size
    bins = thresholds_below(values, thresholds)
    bins += owner * (k + 1)
    hist = np.bincount(bins, minlength=n_owners * (k + 1)).reshape(n_owners, k + 1)
    if strict_greater:
        return np.cumsum(hist[:, ::-1], axis=1)[:, ::-1][:, 1:]
    return np.cumsum(hist, axis=1)[:, :k]


def _error_curve(values: np.ndarray, owner: np.ndarray, n_owners: int, thresholds: np.ndarray, strict: bool) -> np.ndarray:
    """Per owner, how many values are ``<= t`` (or ``< t`` with ``strict``, MGIT) at each threshold."""
    if not strict:
        return count_curve(values, owner, n_owners, thresholds, strict_greater=False)
    # e < t  <=>  -e > -t: the strict-greater count over the negated, reversed thresholds
    return count_curve(-values, owner, n_owners, -thresholds[::-1], strict_greater=True)[:, ::-1]
