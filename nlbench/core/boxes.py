"""Boxes, overlap and centre errors: the one place these are defined.

A box is ``(x, y, w, h)`` float64 in image pixels, top-left origin; arrays of
boxes are ``(N, 4)``.  The tracking toolkits centre a box at ``x + (w-1)/2`` and
intersect with ``min(x+w-1, ...) - max(x, ...) + 1``.  Mathematically the ``-1``
cancels, but not always in floating point, and exact ties at thresholds decide
published digits (eval-spec §1.4, §6 case 12), so the metric functions keep the
reference's order of operations.
"""

from __future__ import annotations

import numpy as np

BoxArray = np.ndarray  # (N, 4) float64 xywh


def as_boxes(boxes: np.ndarray | list | tuple) -> np.ndarray:
    """Return ``boxes`` as an (N, 4) float64 array (a single box becomes 1x4)."""
    arr = np.asarray(boxes, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2 or arr.shape[1] != 4:
        raise ValueError(f"expected boxes of shape (N, 4), got {arr.shape}")
    return arr


def xywh_to_xyxy(boxes: np.ndarray) -> np.ndarray:
    b = np.asarray(boxes, dtype=np.float64)
    return np.concatenate([b[..., :2], b[..., :2] + b[..., 2:]], axis=-1)


def xyxy_to_xywh(boxes: np.ndarray) -> np.ndarray:
    b = np.asarray(boxes, dtype=np.float64)
    return np.concatenate([b[..., :2], b[..., 2:] - b[..., :2]], axis=-1)


def xywh_to_cxcywh(boxes: np.ndarray) -> np.ndarray:
    b = np.asarray(boxes, dtype=np.float64)
    return np.concatenate([b[..., :2] + b[..., 2:] / 2, b[..., 2:]], axis=-1)


def cxcywh_to_xywh(boxes: np.ndarray) -> np.ndarray:
    b = np.asarray(boxes, dtype=np.float64)
    return np.concatenate([b[..., :2] - b[..., 2:] / 2, b[..., 2:]], axis=-1)


def centers(boxes: np.ndarray) -> np.ndarray:
    """Pixel-index centres ``x + 0.5 (w - 1)``, as pytracking, got10k and the MATLAB toolkits."""
    b = np.asarray(boxes, dtype=np.float64)
    return b[..., :2] + 0.5 * (b[..., 2:] - 1.0)


def iou(pred: np.ndarray, gt: np.ndarray, eps: float = 0.0, clip: bool = False, nan_skipping: bool = False) -> np.ndarray:
    """Row-wise IoU of two (N, 4) xywh arrays.

    The reference (pytracking/JointNLT) uses no epsilon and no clipping; got10k
    adds machine epsilon to the union and clips to [0, 1] (eval-spec §1.2).
    ``nan_skipping`` takes the intersection's max/min as MATLAB does, returning the other argument where
    one is NaN (a box with a NaN x or y overlaps in that axis as if it had the GT's extent).
    """
    p = np.asarray(pred, dtype=np.float64)
    g = np.asarray(gt, dtype=np.float64)
    high, low = (np.fmax, np.fmin) if nan_skipping else (np.maximum, np.minimum)
    tl = high(p[..., :2], g[..., :2])
    br = low(p[..., :2] + p[..., 2:] - 1.0, g[..., :2] + g[..., 2:] - 1.0)
    size = high(br - tl + 1.0, 0.0)
    inter = size[..., 0] * size[..., 1]
    union = p[..., 2] * p[..., 3] + g[..., 2] * g[..., 3] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        out = inter / (union + eps)
    if clip:
        out = np.clip(out, 0.0, 1.0)
    return out


def iou_xyxy(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Row-wise IoU of corner boxes; intersection clamped at 0, no epsilon (eval-spec §5)."""
    p = np.asarray(pred, dtype=np.float64)
    g = np.asarray(gt, dtype=np.float64)
    iw = np.maximum(0.0, np.minimum(p[..., 2], g[..., 2]) - np.maximum(p[..., 0], g[..., 0]))
    ih = np.maximum(0.0, np.minimum(p[..., 3], g[..., 3]) - np.maximum(p[..., 1], g[..., 1]))
    inter = iw * ih
    union = (p[..., 2] - p[..., 0]) * (p[..., 3] - p[..., 1]) + (g[..., 2] - g[..., 0]) * (g[..., 3] - g[..., 1]) - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        return inter / union


def center_error(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Euclidean distance between box centres, in pixels."""
    d = centers(pred) - centers(gt)
    # dx*dx + dy*dy written out: the same two-term sum as .sum(axis=-1), bit for bit, but
    # without numpy's slow reduction over a length-2 axis (7x faster on (T, N, 2)).
    return np.sqrt(d[..., 0] ** 2 + d[..., 1] ** 2)


def normalized_center_error(
    pred: np.ndarray, gt: np.ndarray, divide_first: bool = True, size_eps: float = 0.0
) -> np.ndarray:
    """Centre error with x scaled by GT width and y by GT height.

    ``divide_first=True`` divides each centre by the GT size before subtracting,
    as pytracking and the MATLAB toolkits do; this is not bit-identical to
    dividing the difference and decides exact ties at 0.20 (eval-spec §1.4).
    ``divide_first=False`` is got10k's order, which also clamps the size at 1.  ``size_eps`` is added to the
    GT size before dividing first (MMOT's 1e-16: a 0,0,0,0 row divides by it, nl-benchmarks spec §4.3).
    """
    g = np.asarray(gt, dtype=np.float64)
    cp, cg = centers(pred), centers(g)
    size = g[..., 2:] + size_eps if size_eps else g[..., 2:]
    with np.errstate(divide="ignore", invalid="ignore"):
        if divide_first:
            d = cp / size - cg / size
        else:
            d = (cp - cg) / np.maximum(1.0, size)
    return np.sqrt(d[..., 0] ** 2 + d[..., 1] ** 2)  # = (d**2).sum(-1) bit for bit, see center_error


def center_in_box(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Row-wise: the centre ``x + (w-1)/2`` of ``pred`` lies in ``(x, x + w]`` of ``gt``, and the same for y.

    MGIT's N-PRE flag (VCT ``normalized_center_error``, area 5; nl-benchmarks spec §1.4); NaN is outside.
    """
    c = centers(pred)
    g = np.asarray(gt, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        inside_x = (g[..., 0] < c[..., 0]) & (c[..., 0] <= g[..., 2] + g[..., 0])
        inside_y = (g[..., 1] < c[..., 1]) & (c[..., 1] <= g[..., 3] + g[..., 1])
    return inside_x & inside_y


def complete_iou(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Row-wise complete IoU clipped to [0, 1], as the MMOT toolkit computes it for cAUC (spec §4.3).

    Centres at ``x + w/2``; IoU without epsilon; ``v`` from the aspect angles; ``alpha = v / (1 - iou + v +
    eps)``; ``ciou = iou - d^2 / c^2 - alpha * v`` (MMOT ``got10k/utils/metrics.py:rect_iou_complete``, its
    order of operations).  Degenerate boxes give NaN (0/0), which fails every threshold there too.
    """
    p = np.asarray(pred, dtype=np.float64)
    g = np.asarray(gt, dtype=np.float64)
    w1, h1, w2, h2 = p[..., 2], p[..., 3], g[..., 2], g[..., 3]
    cx1, cy1 = p[..., 0] + w1 / 2, p[..., 1] + h1 / 2
    cx2, cy2 = g[..., 0] + w2 / 2, g[..., 1] + h2 / 2
    with np.errstate(divide="ignore", invalid="ignore"):
        inter_l = np.maximum(cx1 - w1 / 2, cx2 - w2 / 2)
        inter_r = np.minimum(cx1 + w1 / 2, cx2 + w2 / 2)
        inter_t = np.maximum(cy1 - h1 / 2, cy2 - h2 / 2)
        inter_b = np.minimum(cy1 + h1 / 2, cy2 + h2 / 2)
        inter = np.maximum(inter_r - inter_l, 0.0) * np.maximum(inter_b - inter_t, 0.0)
        c_l = np.minimum(cx1 - w1 / 2, cx2 - w2 / 2)
        c_r = np.maximum(cx1 + w1 / 2, cx2 + w2 / 2)
        c_t = np.minimum(cy1 - h1 / 2, cy2 - h2 / 2)
        c_b = np.maximum(cy1 + h1 / 2, cy2 + h2 / 2)
        inter_diag = (cx2 - cx1) ** 2 + (cy2 - cy1) ** 2
        c_diag = np.maximum(c_r - c_l, 0.0) ** 2 + np.maximum(c_b - c_t, 0.0) ** 2
        union = w1 * h1 + w2 * h2 - inter
        u = inter_diag / c_diag
        overlap = inter / union
        v = (4 / (np.pi**2)) * (np.arctan(w2 / h2) - np.arctan(w1 / h1)) ** 2
        alpha = v / (1 - overlap + v + np.finfo(np.float64).eps)
        ciou = overlap - u - alpha * v
    return np.clip(ciou, 0.0, 1.0)  # NaN stays NaN, as torch.clamp and np.clip leave it
