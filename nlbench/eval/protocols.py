"""Evaluation protocols as data: one frozen rules object per toolkit (eval-spec §1.5-§1.10).

The scorer (:mod:`nlbench.eval.scorer`) is written once; every difference
between JointNLT's analysis code, current pytracking, the got10k toolkit and the
MATLAB toolkits is a named field here.  Datasets matter only through their
plugin's ``eval_quirks`` tag: ``"ltk"`` (LaSOT test) gets the reference's LaSOT-only
rules, ``"pad"`` (every other dataset) behaves as the reference's other tags.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from nlbench.core.errors import EvaluationError

__all__ = ["PROTOCOLS", "Protocol", "get_protocol"]

#: How a frame the rules single out (invalid box, absent target) counts in an error curve.
FrameVerdict = Literal["fail", "success"]


def _torch_arange_thresholds() -> tuple[float, ...]:
    """The 21 doubles of ``torch.arange(0, 1.05, 0.05)`` on CPU (eval-spec §1.5).

    torch's vectorised kernel yields k*0.05 except at k = 13 and 15, one ulp above.
    """
    values = [k * 0.05 for k in range(21)]
    values[13] = 0.6500000000000001
    values[15] = 0.7500000000000001
    return tuple(values)


def _matlab_colon_thresholds() -> tuple[float, ...]:
    """MATLAB ``0:0.05:1``: the upper half is built from the end, ``1 - (20-k)*0.05`` (eval-spec §1.5)."""
    return tuple(k * 0.05 if k <= 10 else 1.0 - (20 - k) * 0.05 for k in range(21))


_PIXELS = tuple(float(k) for k in range(51))
_HUNDREDTHS = tuple(k / 100 for k in range(51))


@dataclass(frozen=True)
class Protocol:
    """Every rule in which the toolkits differ. Field comments cite eval-spec sections."""

    name: str
    description: str
    # §1.5 threshold sets; success counts IoU > t, the error curves count e <= t.
    success_thresholds: tuple[float, ...]
    precision_thresholds: tuple[float, ...] = _PIXELS
    norm_thresholds: tuple[float, ...] = _HUNDREDTHS
    # §1.2 IoU: epsilon added to the union, clip to [0, 1] (got10k).
    iou_eps: float = 0.0
    iou_clip: bool = False
    # §1.4 normalized error: divide each centre by the GT size before subtracting (reference)
    # or subtract first and divide by max(1, size) (got10k).
    norm_divide_first: bool = True
    # §3.4 start frame: skip the first ``Sequence.init_omit`` frames (OTB's Tiger1: 5), as pytracking's OTB
    # loader drops those GT rows (pytracking/evaluation/otbdataset.py:38-50, ``ground_truth_rect[init_omit:,:]``)
    # and the OTB toolkit's OPE starts after initOmit/tiger1.txt's "1 5" (tracker_benchmark_v1.0
    # util/splitSeqTRE.m:8-17, genPerfMat.m:58 ``anno=subAnno{1}``).  A result with a row for every GT row
    # (JointNLT, nlbench) loses the same rows; a shorter one already starts there (pytracking, the OTB toolkit).
    init_omit: bool = False
    # §1.8 step 1: pred NaN or w/h < 0 -> "raise" (reference), "carry" the previous box (MATLAB),
    # or "evaluate" as is (got10k: NaN counts as failure).
    invalid_pred: Literal["raise", "carry", "evaluate"] = "raise"
    # Which NaN rows "carry" replaces: "any" NaN (LaSOT/TNL2K toolkits: ``sum(isnan(r))``, utils/
    # calc_seq_err_robust.m:17), or only rows of four NaN (OTB toolkit: ``isnan(r) | r(3)<=0 | r(4)<=0`` is a
    # 1x4 vector and MATLAB's ``if`` needs all of it true, tracker_benchmark_v1.0 util/calcSeqErrRobust.m:18).
    carry_nan: Literal["any", "all"] = "any"
    # MATLAB's max/min skip NaN (rstEval/calcRectInt.m:22, LaSOT/TNL2K utils/calc_rect_int.m:13): a kept row with
    # a NaN x or y overlaps as if it had the GT's extent in that axis; its centre error stays NaN (a failure).
    overlap_skips_nan: bool = False
    # §1.8 step 3: zero-size predictions inherit the previous (already carried) box from frame 1 on.
    carry_zero_size: bool = True
    # §1.8 step 2: NaN GT rows -> "raise" (reference) or "exclude" from numerator and denominator (got10k).
    nan_gt: Literal["raise", "exclude"] = "raise"
    # §1.8 step 4: results shorter than GT: "pad" with 0,0,0,0 rows, "raise", or "truncate_gt" (got10k).
    short_result: Literal["pad", "raise", "truncate_gt"] = "pad"
    # The reference raises for short results under the LaSOT-only rules (quirk tag "ltk") only.
    short_result_lasot: Literal["pad", "raise", "truncate_gt"] = "raise"
    # §1.8 step 6 validity of a GT box: "wh" = w>0 and h>0 (JointNLT), "xywh" = x,y,w,h>0
    # (pytracking since Aug 2022, MATLAB), "none" (got10k).
    validity: Literal["wh", "xywh", "none"] = "wh"
    use_visibility: bool = True
    # TNL2K MATLAB: its absent flags are the 0,0,0,0 GT rows (eval-spec §3.3); used when the
    # dataset gives no visibility.
    absent_from_zero_gt: bool = False
    # §1.8 step 8 / §1.9: what invalid-box frames (GT fails the validity rule) score.
    invalid_box_precision: FrameVerdict = "fail"
    invalid_box_norm_precision: FrameVerdict = "success"  # the reference's e~ = -1 quirk
    # ... and what invisible/absent frames score in the error curves (overlap always fails).
    absent_precision: FrameVerdict = "fail"
    absent_norm_precision: FrameVerdict = "success"
    # The reference applies e = e~ = +inf to invisible frames under the LaSOT-only rules only.
    lasot_invisible_fails: bool = True
    # §1.6 denominator: all GT rows (+ machine epsilon in the MATLAB toolkits).
    denominator_eps: float = 0.0
    # §1.7 MATLAB: sequences whose whole curve sums to <= eps are dropped, per tracker and metric.
    drop_all_zero_sequences: bool = False
    # §2: MATLAB toolkits skip attributes with fewer sequences than this.
    min_attribute_sequences: int = 1
    # §1.7: the toolkit's own headline normalized-precision score ("at_0.20" or the 51-point mean).
    norm_precision_headline: Literal["at_0.20", "curve_mean"] = "at_0.20"
    # -- the newer benchmarks (nl-benchmarks-formats spec; every default is the rule of the protocols above) --
    # §3.3 / §4.3 / §1.4: results longer than the GT are cut ("truncate", MATLAB and pytracking) or refused
    # ("raise": VastTrack's Python toolkit and MMOT assert equal lengths, MGIT asserts equal shapes).
    long_result: Literal["truncate", "raise"] = "truncate"
    # §1.4 MGIT: before anything else every prediction is moved and cut into the frame (the first frame's
    # size, ``Sequence.image_size``): x := 0 unless x > 0 (w kept: a shift), then w := W - x unless w < W - x;
    # the same for y, h.  A NaN coordinate becomes 0, a NaN size the rest of the image.
    clip_to_image: bool = False
    # §1.4 MGIT: frame 1 is scored as predicted; every other toolkit replaces it by the GT box.
    first_frame_gt: bool = True
    # §1.4 / §6.2 MGIT: invisible frames (absent or shot cut) leave numerator and denominator; elsewhere
    # they stay in the denominator and score as the absent_* rules say.
    exclude_absent: bool = False
    # §4.3 MMOT: the success curve's overlap, "iou" or "complete_iou" (CIoU clipped to [0, 1]: cAUC).
    overlap_measure: Literal["iou", "complete_iou"] = "iou"
    # §4.3 MMOT: added to the GT width and height before dividing (1e-16: a 0,0,0,0 row divides by it).
    norm_size_eps: float = 0.0
    # §1.4 MGIT: the precision curve counts e < t (strict); the others e <= t.
    precision_strict: bool = False
    # §1.4 MGIT: the normalized-precision measure, "normalized_error" (centre error over the GT size) or
    # "center_in_box" (the predicted centre x + (w-1)/2 lies in (x_gt, x_gt + w_gt], the same for y: the
    # curve is that share at every threshold; VCT's plot-only penalty curve is not reproduced).
    norm_precision_measure: Literal["normalized_error", "center_in_box"] = "normalized_error"
    # §1.4 MGIT: the dataset's normalized precision is the mean over the sequences that score above 0
    # (``nansum / count_nonzero``).
    drop_zero_norm_sequences: bool = False
    # The toolkit family a paper names ("py-analysis" for pytracking's analysis_results.py, "matlab" for
    # the official toolkits): the leaderboard ranks and compares numbers only within one family.
    family: str = "py-analysis"

    def short_rule(self, lasot_quirks: bool) -> str:
        return self.short_result_lasot if lasot_quirks else self.short_result

    @property
    def success_array(self) -> np.ndarray:
        return np.asarray(self.success_thresholds, dtype=np.float64)

    @property
    def precision_array(self) -> np.ndarray:
        return np.asarray(self.precision_thresholds, dtype=np.float64)

    @property
    def norm_array(self) -> np.ndarray:
        return np.asarray(self.norm_thresholds, dtype=np.float64)


JOINTNLT_PROTOCOL = Protocol(
    name="jointnlt",
    description="JointNLT's bundled pytracking analysis (April 2020), which produced the paper's numbers",
    success_thresholds=_torch_arange_thresholds(),
)

#: The protocol every verb, function and experiment uses when none is named: the rules behind the paper's numbers.
DEFAULT_PROTOCOL: str = JOINTNLT_PROTOCOL.name

PYTRACKING = Protocol(
    name="pytracking",
    description="current pytracking: a GT box is valid only if x, y, w and h are all > 0",
    success_thresholds=_torch_arange_thresholds(),
    validity="xywh",
    init_omit=True,
)

GOT10K = Protocol(
    name="got10k",
    description="got10k toolkit: no validity rule, IoU with eps and clipping, short results truncate the GT",
    family="got10k",
    success_thresholds=tuple(np.linspace(0, 1, 21).tolist()),
    norm_thresholds=tuple(np.linspace(0, 0.5, 51).tolist()),
    iou_eps=float(np.finfo(np.float64).eps),
    iou_clip=True,
    norm_divide_first=False,
    invalid_pred="evaluate",
    carry_zero_size=False,
    nan_gt="exclude",
    short_result="truncate_gt",
    short_result_lasot="truncate_gt",
    validity="none",
    use_visibility=False,
    lasot_invisible_fails=False,
    norm_precision_headline="curve_mean",
)

_MATLAB = dict(
    family="matlab",
    overlap_skips_nan=True,
    success_thresholds=_matlab_colon_thresholds(),
    invalid_pred="carry",
    short_result="raise",
    short_result_lasot="raise",
    validity="xywh",
    invalid_box_precision="success",
    invalid_box_norm_precision="success",
    absent_precision="fail",
    absent_norm_precision="fail",
    denominator_eps=float(np.finfo(np.float64).eps),
    drop_all_zero_sequences=True,
    min_attribute_sequences=2,
)

LASOT_MATLAB = Protocol(
    name="lasot-matlab",
    description="official LaSOT MATLAB toolkit (absent frames fail, invalid boxes count in the error curves)",
    **_MATLAB,  # type: ignore[arg-type]
)

TNL2K_MATLAB = Protocol(
    name="tnl2k-matlab",
    description="official TNL2K MATLAB toolkit (LaSOT's, with 0,0,0,0 GT rows as absent flags)",
    absent_from_zero_gt=True,
    norm_precision_headline="curve_mean",
    **_MATLAB,  # type: ignore[arg-type]
)

OTB_MATLAB = Protocol(
    name="otb-matlab",
    description="original OTB MATLAB toolkit (x,y,w,h > 0 validity, invalid predictions carry the previous box)",
    # LaSOT's toolkit copied tracker_benchmark_v1.0, so the shared MATLAB rules are OTB's too: curves over
    # len + eps (genPerfMat.m:99-100), all-zero sequences dropped per tracker and metric
    # (util/plotDrawSave.m:11), attributes of fewer than two sequences skipped (perfPlot.m:180).  OTB has no
    # absent flags, starts Tiger1 late (initOmit) and carries only all-NaN rows.
    use_visibility=False,
    init_omit=True,
    carry_nan="all",
    **{**_MATLAB, "absent_norm_precision": "success"},  # type: ignore[arg-type]
)

# -- the newer benchmarks (nl-benchmarks-formats spec; the toolkits' code, read at the commits it names) ----

VASTTRACK_MATLAB = Protocol(
    name="vasttrack-matlab",
    description="official VastTrack MATLAB toolkit: LaSOT's rules (x,y,w,h > 0 validity, absent frames fail, len + eps)",
    **_MATLAB,  # type: ignore[arg-type]
)

VASTTRACK_PY = Protocol(
    name="vasttrack-py",
    description="official VastTrack Python toolkit (pytracking fork: w,h > 0 validity, absent frames fail in every "
    "curve, lengths must match)",
    success_thresholds=_torch_arange_thresholds(),
    short_result="raise",
    short_result_lasot="raise",
    long_result="raise",
    absent_norm_precision="fail",
)

TNLLT_MATLAB = Protocol(
    name="tnllt-matlab",
    description="official TNLLT MATLAB toolkit: LaSOT's rules over its visibility flags (1 = visible)",
    **_MATLAB,  # type: ignore[arg-type]
)

WEBUAV3M_MMOT = Protocol(
    name="webuav3m-mmot",
    description="MMOT toolkit (got10k fork): no absent handling, lengths must match, nPre = mean of the 51-point curve",
    family="got10k",
    success_thresholds=tuple(np.linspace(0, 1, 21).tolist()),
    norm_thresholds=_HUNDREDTHS,  # np.arange(0, 51) / 100
    iou_eps=float(np.finfo(np.float64).eps),
    iou_clip=True,
    norm_size_eps=1e-16,
    invalid_pred="evaluate",
    carry_zero_size=False,
    short_result="raise",
    short_result_lasot="raise",
    long_result="raise",
    validity="none",
    use_visibility=False,
    lasot_invisible_fails=False,
    norm_precision_headline="curve_mean",
)

WEBUAV3M_MMOT_CAUC = replace(
    WEBUAV3M_MMOT,
    name="webuav3m-mmot-cauc",
    description="MMOT toolkit, complete-IoU success (its AUC is MMOT's cAUC; precision and nPre as webuav3m-mmot)",
    overlap_measure="complete_iou",
)

MGIT_OFFICIAL = Protocol(
    name="mgit-official",
    description="official MGIT toolkit (VCT): boxes clipped to the image, no frame-1 override, absent and shot-cut "
    "frames dropped, 101 IoU bins, error < 20 px, N-PRE = predicted centre inside the GT box",
    family="videocube",
    success_thresholds=tuple(np.linspace(0, 1, 101).tolist()),
    precision_thresholds=tuple(float(k) for k in range(401)),
    iou_eps=float(np.finfo(np.float64).eps),
    iou_clip=True,
    invalid_pred="evaluate",
    carry_zero_size=False,
    short_result="raise",
    short_result_lasot="raise",
    long_result="raise",
    validity="none",
    lasot_invisible_fails=False,
    clip_to_image=True,
    first_frame_gt=False,
    exclude_absent=True,
    precision_strict=True,
    norm_precision_measure="center_in_box",
    drop_zero_norm_sequences=True,
)

PROTOCOLS: dict[str, Protocol] = {
    p.name: p
    for p in (JOINTNLT_PROTOCOL, PYTRACKING, GOT10K, LASOT_MATLAB, TNL2K_MATLAB, OTB_MATLAB, VASTTRACK_MATLAB,
              VASTTRACK_PY, TNLLT_MATLAB, WEBUAV3M_MMOT, WEBUAV3M_MMOT_CAUC, MGIT_OFFICIAL)
}  # fmt: skip


def get_protocol(name: str | Protocol) -> Protocol:
    if isinstance(name, Protocol):
        return name
    try:
        return PROTOCOLS[name]
    except KeyError:
        raise EvaluationError(f"unknown protocol '{name}'; known: {', '.join(PROTOCOLS)}") from None
