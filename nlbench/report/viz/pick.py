"""Picking what to look at: the sequences, and the frames within them, where trackers fail.

The rules (``nlbench visualize --help`` prints the same text):

* ``worst``: each sequence scores the lowest per-sequence AUC of any tracker (success AUC from
  :func:`nlbench.eval.evaluate`, protocol ``jointnlt``); sequences are ranked by it, lowest first.
  The failure span is the longest run of frames where that tracker's IoU < 0.5 (no such frame:
  the frame of its lowest IoU).
* ``disagree``: on each frame the spread is the highest minus the lowest IoU among the trackers;
  a sequence scores its mean spread and is ranked highest first.  The failure span is the longest
  run of frames with a spread >= 0.5 (none: the frame of the largest spread).  Needs 2 trackers.
* ``lost``: the NL trackers (run.json mode nl or nl+bb, or results with ``<seq>_ground.txt``)
  lose the target on a frame whose IoU is exactly 0.  A sequence scores its longest such streak
  (the longest of any NL tracker), ranked longest first; sequences with no streak are not picked.
  The failure span is that streak.

Frames without a valid GT box (absent, zero size, or flagged invisible) are left out before runs are
counted: they neither break nor extend a run.  Ties keep the dataset order (and the --results order).
The frames shown are the failure span widened by ``context`` frames on each side, within the sequence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from nlbench.core.errors import VisualizationError

__all__ = ["PICK_RULES", "Pick", "longest_run", "pick"]

PICK_RULES = ("worst", "disagree", "lost")
#: IoU below which a frame counts as a failure for ``worst``, and the spread above which trackers disagree.
FAIL_IOU = 0.5
DISAGREE_SPREAD = 0.5


@dataclass(frozen=True)
class Pick:
    """One picked sequence: the frames to show ``[start, stop)`` and why it was picked."""

    sequence: str
    start: int
    stop: int
    span: tuple[int, int]  # the failure itself, [first, last + 1)
    score: float
    tracker: str | None
    reason: str

    @property
    def frames(self) -> range:
        return range(self.start, self.stop)


def longest_run(condition: np.ndarray, valid: np.ndarray) -> tuple[int, int] | None:
    """The longest run of ``condition`` over the ``valid`` frames only, as [first, last + 1) frame indices.

    Invalid frames are dropped before counting, so a run may step over them; the first longest run wins.
    """
    index = np.flatnonzero(valid)
    values = np.asarray(condition, dtype=bool)[index]
    if not values.any():
        return None
    padded = np.concatenate([[False], values, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    starts, stops = edges[0::2], edges[1::2]
    best = int(np.argmax(stops - starts))
    return int(index[starts[best]]), int(index[stops[best] - 1]) + 1


def _window(span: tuple[int, int], n_frames: int, context: int) -> tuple[int, int]:
    return max(0, span[0] - context), min(n_frames, span[1] + context)


def pick(
    rule: str,
    sequences: Sequence[str],
    ious: Mapping[str, Mapping[str, np.ndarray]],
    count: int,
    context: int = 25,
    auc: Mapping[str, Mapping[str, float]] | None = None,
    nl_trackers: Sequence[str] = (),
) -> list[Pick]:
    """The ``count`` sequences that ``rule`` ranks first, with their frames.

    ``ious[tracker][sequence]`` is the per-frame IoU (NaN where the GT box is not valid); ``auc[tracker][sequence]``
    the per-sequence AUC in percent (``worst`` only); ``nl_trackers`` the trackers ``lost`` looks at.
    """
    if rule not in PICK_RULES:
        raise VisualizationError(f"--pick {rule!r}: choose one of {', '.join(PICK_RULES)}")
    trackers = list(ious)
    if not trackers:
        raise VisualizationError("--pick needs at least one --results")
    if rule == "disagree" and len(trackers) < 2:
        raise VisualizationError("--pick disagree needs at least two --results to compare")
    if rule == "lost" and not nl_trackers:
        raise VisualizationError(
            f"--pick lost looks at NL trackers, and none of {', '.join(trackers)} is an NL run "
            "(run.json mode nl or nl+bb, or <seq>_ground.txt files)"
        )
    if rule == "worst" and auc is None:
        raise ValueError("rule 'worst' needs the per-sequence AUC")
    candidates: list[tuple[float, int, Pick]] = []
    for order, name in enumerate(sequences):
        per_tracker = {t: np.asarray(ious[t][name], dtype=np.float64) for t in trackers}
        n = len(next(iter(per_tracker.values())))
        valid = np.isfinite(np.stack(list(per_tracker.values()))).all(axis=0)
        found = _rank(rule, name, per_tracker, valid, auc, nl_trackers)
        if found is None:
            continue
        key, score, tracker, span, reason = found
        start, stop = _window(span, n, context)
        candidates.append((key, order, Pick(name, start, stop, span, score, tracker, reason)))
    candidates.sort(key=lambda c: (c[0], c[1]))
    return [c[2] for c in candidates[:count]]


def _rank(
    rule: str,
    name: str,
    per_tracker: dict[str, np.ndarray],
    valid: np.ndarray,
    auc: Mapping[str, Mapping[str, float]] | None,
    nl_trackers: Sequence[str],
) -> tuple[float, float, str | None, tuple[int, int], str] | None:
    """(sort key, score, tracker, failure span, reason) of one sequence; None when the rule skips it."""
    if not valid.any():
        return None
    if rule == "worst":
        assert auc is not None
        scores = {t: float(auc[t][name]) for t in per_tracker if name in auc.get(t, {})}
        if not scores:
            return None
        tracker = min(scores, key=lambda t: scores[t])  # first in --results order on ties
        values = per_tracker[tracker]
        span = longest_run(values < FAIL_IOU, valid)
        if span is None:
            worst = int(np.nanargmin(np.where(valid, values, np.nan)))
            span = (worst, worst + 1)
        return scores[tracker], scores[tracker], tracker, span, f"{tracker}: AUC {scores[tracker]:.1f} %"
    if rule == "disagree":
        stack = np.stack(list(per_tracker.values()))
        spread = np.where(valid, stack.max(axis=0) - stack.min(axis=0), np.nan)
        score = float(np.nanmean(spread))
        span = longest_run(spread >= DISAGREE_SPREAD, valid)
        if span is None:
            top = int(np.nanargmax(spread))
            span = (top, top + 1)
        return -score, score, None, span, f"mean IoU spread {score:.2f}"
    best: tuple[int, str, tuple[int, int]] | None = None
    for tracker in nl_trackers:
        span = longest_run(per_tracker[tracker] == 0.0, valid)
        if span is None:
            continue
        length = int(valid[span[0] : span[1]].sum())
        if best is None or length > best[0]:
            best = (length, tracker, span)
    if best is None:
        return None
    length, tracker, span = best
    return -length, length, tracker, span, f"{tracker}: lost for {length} frames (IoU 0)"
