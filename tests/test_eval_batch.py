"""The vectorised scorer (all sequences at once) equals the per-sequence scorer bit for bit, for every protocol."""

from __future__ import annotations

import numpy as np
import pytest

from nlbench.eval import PROTOCOLS
from nlbench.eval.evaluate import _score_one_by_one, _score_sequences
from nlbench.eval.metrics import batch_curves
from nlbench.core.types import Sequence

from .test_eval_reference_diff import _random_case

TAGS = ["lasot", "lasot_ext", "tnl2k", "otb99"]


def _random_benchmark(
    rng: np.random.Generator, dataset: str, n_sequences: int, trackers: list[str], nan_gt: bool, short: bool
):
    sequences, loaded = [], {t: {} for t in trackers}
    for s in range(n_sequences):
        gt, _, visible = _random_case(rng, dataset, nan_gt=nan_gt)
        sequences.append(Sequence(name=f"s{s}", dataset=dataset, frames=(), gt=gt, visible=visible))
        for t in trackers:
            runs = []
            for _ in range(int(rng.integers(1, 4))):  # 1-3 runs, a different number per sequence
                _, pred, _ = _random_case(rng, dataset)
                m = gt.shape[0] + int(rng.integers(-2 if short else 0, 3))  # short results only where they pad
                runs.append(np.resize(pred, (max(1, m), 4)))
            loaded[t][f"s{s}"] = runs
    return sequences, loaded


@pytest.mark.parametrize("protocol", list(PROTOCOLS))
@pytest.mark.parametrize("dataset", TAGS)
def test_batch_equals_one_by_one(protocol, dataset):
    rules = PROTOCOLS[protocol]
    rng = np.random.default_rng(list(PROTOCOLS).index(protocol) * 10 + TAGS.index(dataset))
    trackers = ["a", "b"]
    compared = raised = 0
    for trial in range(40):
        quirks = dataset == "lasot"
        short = rules.short_rule(quirks) != "raise"
        sequences, loaded = _random_benchmark(rng, dataset, 4, trackers, rules.nan_gt == "exclude", short)
        try:
            expected = _score_one_by_one(sequences, trackers, loaded, rules, quirks)
        except Exception as exc:  # the batch path must fall back and raise the same error
            with pytest.raises(type(exc), match=None) as info:
                _score_sequences(sequences, trackers, loaded, rules, quirks)
            assert str(info.value) == str(exc)
            raised += 1
            continue
        got = _score_sequences(sequences, trackers, loaded, rules, quirks)
        for t in trackers:
            for field in ("success", "precision", "norm_precision"):
                a, b = getattr(expected[t], field), getattr(got[t], field)
                assert a.shape == b.shape and np.array_equal(a, b), (trial, t, field)
        compared += 1
    assert compared >= 10 and compared + raised == 40


def test_batch_declines_what_must_raise():
    gt = np.array([[10, 10, 20, 20]] * 3, float)
    rules = PROTOCOLS["jointnlt"]
    nan_pred = np.array([[10, 10, 20, 20], [np.nan, 1, 2, 3], [10, 10, 20, 20]])
    assert batch_curves([nan_pred], [0], [gt], [None], rules, False) is None
    short = gt[:2]
    assert batch_curves([short], [0], [gt], [None], rules, True) is None  # LaSOT: short results raise
    curves = batch_curves([short], [0], [gt], [None], rules, False)  # elsewhere: padded with zeros
    assert curves is not None and curves.success[0, 0] == pytest.approx(2 / 3)
