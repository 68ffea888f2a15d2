"""The one scorer: results scored together equal each result scored alone, bit for bit, for every protocol;
the error is the first problem in dataset order (sequence, then the order of the results)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlbench.core.errors import EvaluationError
from nlbench.core.types import Sequence
from nlbench.eval import PROTOCOLS, score, score_sequence
from nlbench.eval import scorer

from .test_eval_reference_diff import _random_case

TAGS = ["lasot", "lasot_ext", "tnl2k", "otb99"]
FIELDS = ("success", "precision", "norm_precision")
BOX = [10.0, 10.0, 20.0, 20.0]


def _world(rng: np.random.Generator, dataset: str, n_sequences: int, short: bool, nan_gt: bool, infinite: bool,
           long: bool = True):
    """Random sequences and 1-6 results each (several trackers and runs), as evaluate() passes them.

    Every sequence has a frame size (protocols that clip to the image need one); ``long``: results may be longer."""
    sequences, predictions, owners, labels = [], [], [], []
    for s in range(n_sequences):
        gt, _, visible = _random_case(rng, dataset, nan_gt=nan_gt)
        sequences.append(Sequence(name=f"s{s}", dataset=dataset, frames=(), gt=gt, visible=visible, image_size=(96, 72)))
        for r in range(int(rng.integers(1, 7))):
            _, pred, _ = _random_case(rng, dataset)
            m = gt.shape[0] + int(rng.integers(-2 if short else 0, 3 if long else 1))  # short ones only where they pad
            pred = np.resize(pred, (max(1, m), 4))
            if infinite and pred.shape[0] > 1 and rng.random() < 0.1:  # --allow-non-finite values
                bad = [-np.inf, 10, np.inf, 20] if rng.random() < 0.5 else [10, 10, np.inf, 20]  # NaN overlap, or a failure
                pred[int(rng.integers(1, pred.shape[0]))] = bad
            predictions.append(pred)
            owners.append(s)
            labels.append(f"tracker t{r}, sequence s{s}")
    order = np.random.default_rng(int(rng.integers(1 << 30))).permutation(len(predictions))  # owners interleaved
    return sequences, [predictions[i] for i in order], [owners[i] for i in order], [labels[i] for i in order]


def _first_error_alone(sequences, predictions, owners, labels, rules, quirks) -> str | None:
    """Each sequence scored alone (its results in the given order), in dataset order: the first error."""
    for s, seq in enumerate(sequences):
        mine = [i for i, o in enumerate(owners) if o == s]
        if not mine:
            continue
        try:
            score_sequence([predictions[i] for i in mine], seq.gt, seq.visible, rules, quirks,
                           [labels[i] for i in mine], seq.name, seq.image_size)
        except EvaluationError as exc:
            return str(exc)
    return None


@pytest.mark.parametrize("protocol", list(PROTOCOLS))
@pytest.mark.parametrize("dataset", TAGS)
def test_together_equals_each_alone(protocol, dataset):
    rules = PROTOCOLS[protocol]
    quirks = dataset == "lasot"
    rng = np.random.default_rng(list(PROTOCOLS).index(protocol) * 10 + TAGS.index(dataset))
    compared = raised = 0
    for trial in range(40):
        short = rules.short_rule(quirks) != "raise" or trial % 4 == 0
        long = rules.long_result != "raise" or trial % 8 == 1
        world = _world(rng, dataset, 4, short, rules.nan_gt == "exclude" or trial % 5 == 0, trial % 6 == 0, long)
        sequences, predictions, owners, labels = world
        expected_error = _first_error_alone(*world, rules, quirks)
        if expected_error is not None:
            with pytest.raises(EvaluationError) as info:
                score(predictions, owners, sequences, rules, quirks, labels)
            assert str(info.value) == expected_error, trial
            raised += 1
            continue
        together = score(predictions, owners, sequences, rules, quirks, labels)
        for i, (pred, owner) in enumerate(zip(predictions, owners)):
            seq = sequences[owner]
            alone = score_sequence([pred], seq.gt, seq.visible, rules, quirks, [labels[i]], seq.name, seq.image_size)
            for field in FIELDS:
                a, b = getattr(together, field)[i], getattr(alone, field)[0]
                assert a.shape == b.shape and np.array_equal(a, b), (trial, i, field)
        compared += 1
    assert compared >= 10 and compared + raised == 40
    if rules.invalid_pred == "raise" or rules.short_rule(quirks) == "raise":
        assert raised >= 5  # the error order was exercised too


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), protocol=st.sampled_from(list(PROTOCOLS)), dataset=st.sampled_from(TAGS),
       chunk=st.integers(1, 60))  # fmt: skip
def test_chunking_changes_no_bit(seed, protocol, dataset, chunk):
    """Frames are scored in groups of results; any group size gives the same curves and the same error."""
    rules = PROTOCOLS[protocol]
    quirks = dataset == "lasot"
    world = _world(np.random.default_rng(seed), dataset, 4, rules.short_rule(quirks) != "raise", False, False,
                   rules.long_result != "raise")

    def run(frames: int):
        saved, scorer._CHUNK_FRAMES = scorer._CHUNK_FRAMES, frames
        try:
            sequences, predictions, owners, labels = world
            return score(predictions, owners, sequences, rules, quirks, labels)
        except EvaluationError as exc:
            return str(exc)
        finally:
            scorer._CHUNK_FRAMES = saved

    one, many = run(1 << 30), run(chunk)
    if isinstance(one, str):
        assert many == one
    else:
        for field in FIELDS:
            assert np.array_equal(getattr(one, field), getattr(many, field)), field


def _seq(name, gt, visible=None):
    return Sequence(name=name, dataset="otb99", frames=(), gt=np.asarray(gt, float), visible=visible)


def test_errors_follow_the_sequence_order_not_the_result_order():
    sequences = [_seq("a", [BOX] * 3), _seq("b", [BOX] * 3)]
    nan = np.array([BOX, [np.nan, 1, 2, 3], BOX])
    # the result on b comes first in the list, the one on a is named: a is first in the dataset
    with pytest.raises(EvaluationError, match=r"^tracker y, sequence a: invalid results, NaN in row\(s\) 2 "):
        score([nan, nan], [1, 0], sequences, PROTOCOLS["jointnlt"], False, ["tracker x, sequence b", "tracker y, sequence a"])


def test_a_later_failure_of_an_earlier_sequence_comes_first():
    # a: a NaN overlap (found only by scoring); b: a short result under LaSOT rules (found by the checks)
    sequences = [_seq("a", [BOX] * 3), _seq("b", [BOX] * 3)]
    infinite = np.array([BOX, BOX, [-np.inf, 10, np.inf, 20]])
    short = np.array([BOX])
    rules = PROTOCOLS["jointnlt"]
    with pytest.raises(EvaluationError, match=r"^ta: the overlap is NaN at frame\(s\) 3 "):
        score([short, infinite], [1, 0], sequences, rules, True, ["tb", "ta"])
    with pytest.raises(EvaluationError, match=r"^tb: the result has 1 rows but the ground truth has 3 \(mis-match"):
        score([short, np.array([BOX] * 3)], [1, 0], sequences, rules, True, ["tb", "ta"])


def test_within_a_sequence_ground_truth_then_results_then_overlap():
    gt = np.array([BOX, [np.nan, 10, 20, 20], BOX])
    infinite = np.array([BOX, BOX, [-np.inf, 10, np.inf, 20]])
    negative = np.array([BOX, BOX, [10, 10, -1, 20]])
    rules = PROTOCOLS["jointnlt"]
    with pytest.raises(EvaluationError, match=r"^sequence s: NaN in ground-truth row\(s\) 2; the jointnlt protocol"):
        score_sequence([negative], gt, None, rules, False, ["t"], "s")
    gt = np.array([BOX] * 3)
    with pytest.raises(EvaluationError, match=r"^t2: invalid results, negative width or height in row\(s\) 3 "):
        score_sequence([infinite, negative], gt, None, rules, False, ["t1", "t2"], "s")  # t1's NaN overlap is later


def test_nothing_to_count_is_an_error_naming_the_sequence():
    with pytest.raises(EvaluationError, match="^sequence s: no ground-truth frame can be evaluated"):
        score_sequence([np.array([BOX])], np.full((2, 4), np.nan), None, PROTOCOLS["got10k"], False, ["t"], "s")
    with pytest.raises(EvaluationError, match="^sequence e: no ground-truth frame can be evaluated"):
        score_sequence([np.zeros((0, 4))], np.zeros((0, 4)), None, PROTOCOLS["jointnlt"], False, ["t"], "e")


def test_short_results_pad_or_raise():
    gt = np.array([BOX] * 3)
    rules = PROTOCOLS["jointnlt"]
    with pytest.raises(EvaluationError, match="mis-match in tracker prediction and GT lengths"):
        score_sequence([gt[:2]], gt, None, rules, True, ["t"])  # LaSOT: short results raise
    curves = score_sequence([gt[:2]], gt, None, rules, False, ["t"])  # elsewhere: padded with zeros
    assert curves.success[0, 0] == pytest.approx(2 / 3)
