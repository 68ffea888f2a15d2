"""Properties of the evaluator: perfect tracker, layout invariance, order invariance, runs, attributes, statistics."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nlbench.eval import PROTOCOLS, bootstrap_ci, evaluate, paired_comparison, score_sequence
from nlbench.eval.scorer import count_curve
from nlbench.core.types import Sequence


def make_sequence(name, gt, visible=None, attributes=None, dataset="tnl2k"):
    return Sequence(name=name, dataset=dataset, frames=(), gt=np.asarray(gt, float),
                    visible=visible, attributes=attributes or {})  # fmt: skip


def random_world(seed, n_seqs=5, n_trackers=3, max_len=40):
    rng = np.random.default_rng(seed)
    sequences, preds = [], {f"t{k}": {} for k in range(n_trackers)}
    for s in range(n_seqs):
        n = int(rng.integers(2, max_len))
        gt = np.column_stack([rng.integers(1, 200, (n, 2)), rng.integers(1, 80, (n, 2))]).astype(float)
        gt[rng.random(n) < 0.1] = 0  # some absent (0,0,0,0) rows
        gt[0] = [5, 5, 30, 30]
        attrs = {"CM": bool(rng.random() < 0.5), "ROT": bool(rng.random() < 0.5)}
        sequences.append(make_sequence(f"seq{s}", gt, attributes=attrs))
        for k in range(n_trackers):
            m = n + int(rng.integers(-3, 3))
            jitter = rng.normal(0, 4 + 6 * k, (max(m, 1), 4))
            base = np.resize(gt, (max(m, 1), 4))
            pred = np.round(np.abs(base + jitter), 2)
            preds[f"t{k}"][f"seq{s}"] = pred
    return sequences, preds


boxes_strategy = st.lists(
    st.tuples(st.integers(1, 500), st.integers(1, 500), st.integers(1, 300), st.integers(1, 300)), min_size=1, max_size=30
)


@settings(max_examples=40, deadline=None)
@given(gts=st.lists(boxes_strategy, min_size=1, max_size=4),
       protocol=st.sampled_from([p for p, r in PROTOCOLS.items() if len(r.success_thresholds) == 21]))
def test_perfect_tracker_is_2000_over_21(gts, protocol):
    sequences = [make_sequence(f"s{i}", gt, dataset="otb99") for i, gt in enumerate(gts)]
    result = evaluate(sequences, {"gt": {s.name: s.gt for s in sequences}}, "otb99", protocol, bootstrap=False)
    t = result.trackers["gt"]
    assert t.auc == pytest.approx(2000 / 21, abs=1e-9)
    # MATLAB divides by N + eps, which is below N only for one-frame sequences (1 + eps > 1)
    for value in (t.op50, t.op75, t.precision, t.norm_precision):
        assert value == pytest.approx(100.0, abs=1e-12)


SEPARATORS = {"tab": "\t", "comma": ",", "space": " ", "mixed": " ,\t", "trailing": ","}
LAYOUTS = ["{d}", "{d}/Tracker", "{d}/tracker/param", "{d}/Tracker_tracking_result", "{d}/tracker/param_001"]


def write_results(directory, preds, sep, trailing=False, crlf=False):
    directory.mkdir(parents=True)
    end = "\r\n" if crlf else "\n"
    for name, rows in preds.items():
        text = "".join(sep.join(repr(float(v)) for v in r) + (sep if trailing else "") + end for r in rows)
        (directory / f"{name}.txt").write_text(text, newline="")
        (directory / f"{name}_time.txt").write_text("0.1\n" * len(rows))


def test_scores_do_not_depend_on_separator_or_layout(tmp_path):
    sequences, preds = random_world(1)
    reference = evaluate(sequences, {"t": preds["t0"]}, "tnl2k").trackers["t"].to_json()
    sources = {}
    for i, (label, sep) in enumerate(SEPARATORS.items()):
        for j, layout in enumerate(LAYOUTS):
            base = tmp_path / f"{label}{j}"
            write_results(tmp_path / layout.format(d=f"{label}{j}"), preds["t0"], sep, trailing=label == "trailing", crlf=j % 2 == 1)
            sources[f"{label}{j}"] = base
    result = evaluate(sequences, sources, "tnl2k")
    for name in sources:
        assert result.trackers[name].to_json() == reference, name


def test_scores_do_not_depend_on_order():
    sequences, preds = random_world(2, n_seqs=8)
    forward = evaluate(sequences, preds, "tnl2k")
    rng = np.random.default_rng(0)
    shuffled_seqs = [sequences[i] for i in rng.permutation(len(sequences))]
    shuffled_trackers = {k: preds[k] for k in reversed(list(preds))}
    backward = evaluate(shuffled_seqs, shuffled_trackers, "tnl2k")
    assert list(backward.trackers) == list(reversed(list(forward.trackers)))
    for name, t in forward.trackers.items():
        other = backward.trackers[name]
        for key in ("auc", "op50", "op75", "precision", "norm_precision"):
            assert getattr(other, key) == pytest.approx(getattr(t, key), abs=1e-12)
        assert other.sequence_scores() == t.sequence_scores()
        assert other.attributes.keys() == t.attributes.keys()
        for attr, scores in t.attributes.items():
            assert other.attributes[attr]["auc"] == pytest.approx(scores["auc"], abs=1e-12)
        assert other.auc_ci95 is not None


def test_trackers_are_independent_of_each_other():
    sequences, preds = random_world(3)
    together = evaluate(sequences, preds, "tnl2k")
    for name, pred in preds.items():
        alone = evaluate(sequences, {name: pred}, "tnl2k").trackers[name]
        assert alone.to_json() == together.trackers[name].to_json()


def test_several_runs_are_averaged_per_sequence(tmp_path):
    sequences, preds = random_world(4, n_trackers=2)
    for run, key in enumerate(("t0", "t1")):
        write_results(tmp_path / "r" / "tracker" / f"param_{run}", preds[key], "\t")
    merged = evaluate(sequences, {"m": tmp_path / "r"}, "tnl2k")
    single = evaluate(sequences, preds, "tnl2k")
    expected = (single.trackers["t0"].per_sequence.success + single.trackers["t1"].per_sequence.success) / 2
    np.testing.assert_allclose(merged.trackers["m"].per_sequence.success, expected, rtol=0, atol=1e-15)
    assert merged.trackers["m"].to_json()["runs"] == {s.name: 2 for s in sequences}
    as_arrays = evaluate(sequences, {"m": {k: [preds["t0"][k], preds["t1"][k]] for k in preds["t0"]}}, "tnl2k")
    assert as_arrays.trackers["m"].auc == merged.trackers["m"].auc


def test_attribute_scores_equal_the_subset_evaluated_alone():
    sequences, preds = random_world(5, n_seqs=10)
    full = evaluate(sequences, preds, "tnl2k", bootstrap=False)
    for attr in ("CM", "ROT"):
        subset = [s for s in sequences if s.attributes[attr]]
        alone = evaluate(subset, preds, "tnl2k", bootstrap=False)
        for name, t in full.trackers.items():
            assert t.attributes[attr]["n"] == len(subset)
            assert t.attributes[attr]["auc"] == pytest.approx(alone.trackers[name].auc, abs=1e-12)
            assert t.attributes[attr]["norm_precision"] == pytest.approx(alone.trackers[name].norm_precision, abs=1e-12)
    # official order first
    assert list(full.trackers["t0"].attributes) == ["CM", "ROT"]


def test_matlab_drops_all_zero_sequences_and_small_attributes():
    good = make_sequence("good", [[10, 10, 20, 20]] * 3, attributes={"CM": True, "ROT": True})
    lost = make_sequence("lost", [[10, 10, 20, 20]] + [[0, 0, 0, 0]] * 3, attributes={"CM": True})
    preds = {"t": {"good": good.gt, "lost": np.array([[10, 10, 20, 20]] + [[90, 90, 5, 5]] * 3, float)}}
    # the first frame is always overridden, so a sequence's curve is never all zero except via absent frames;
    # with 'lost', success is 1/4 at every threshold but the last
    reference = evaluate([good, lost], preds, "tnl2k", "jointnlt", bootstrap=False).trackers["t"]
    matlab = evaluate([good, lost], preds, "tnl2k", "tnl2k-matlab", bootstrap=False).trackers["t"]
    assert reference.auc == pytest.approx((2000 / 21 + 500 / 21) / 2)
    assert matlab.auc == pytest.approx((2000 / 21 + 500 / 21) / 2)
    assert "ROT" in reference.attributes and "ROT" not in matlab.attributes  # MATLAB: fewer than 2 sequences
    per_sequence = np.array([[1.0] * 20 + [0.0], [0.0] * 21])
    from nlbench.eval.evaluate import _dataset_mean

    np.testing.assert_array_equal(_dataset_mean(per_sequence, PROTOCOLS["lasot-matlab"]), per_sequence[0])
    np.testing.assert_array_equal(_dataset_mean(per_sequence, PROTOCOLS["jointnlt"]), per_sequence.mean(axis=0))


def test_count_curve_matches_direct_comparison():
    rng = np.random.default_rng(0)
    values = np.concatenate([rng.random((3, 200)), np.array([[0.5, 0.65, 1.0, -1.0, np.inf, 0.05] * 2] * 3)], axis=1)
    thresholds = PROTOCOLS["jointnlt"].success_array
    owner = np.repeat(np.arange(3), values.shape[1])  # row r of values is owner r
    np.testing.assert_array_equal(count_curve(values.ravel(), owner, 3, thresholds, True), (values[..., None] > thresholds).sum(axis=1))
    np.testing.assert_array_equal(count_curve(values.ravel(), owner, 3, thresholds, False), (values[..., None] <= thresholds).sum(axis=1))


def test_score_sequence_stack_matches_single():
    gt = np.array([[10, 10, 20, 20]] * 5, float)
    a = np.array([[10, 10, 20, 20], [11, 10, 20, 20], [30, 30, 20, 20], [10, 12, 18, 20], [10, 10, 0, 0]], float)
    b = a[:3]
    both = score_sequence([a, b], gt, None, PROTOCOLS["jointnlt"], False, ["a", "b"])
    one = score_sequence([b], gt, None, PROTOCOLS["jointnlt"], False, ["b"])
    np.testing.assert_array_equal(both.success[1], one.success[0])


def test_bootstrap_is_seeded_and_brackets_the_mean():
    values = np.random.default_rng(1).uniform(30, 80, 50)
    low, high = bootstrap_ci(values)
    assert (low, high) == bootstrap_ci(values)
    assert low < values.mean() < high
    assert high - low < 15
    assert bootstrap_ci(np.array([42.0])) == (42.0, 42.0)


def test_paired_comparison():
    rng = np.random.default_rng(2)
    a = rng.uniform(40, 70, 60)
    better = paired_comparison("b", a + 3 + rng.normal(0, 1, 60), "a", a)
    assert better.significant and better.ci95[0] > 0 and better.wilcoxon_p < 1e-6
    same = paired_comparison("x", a + rng.normal(0, 1, 60), "a", a)
    assert not same.significant or abs(same.mean_difference) < 0.5
    assert not paired_comparison("a", a, "a", a).significant


@pytest.mark.parametrize("protocol", list(PROTOCOLS))
def test_threshold_binning_equals_binary_search(protocol):
    from nlbench.eval.scorer import thresholds_below

    rules = PROTOCOLS[protocol]
    rng = np.random.default_rng(3)
    for thresholds, scale in ((rules.success_array, 1.0), (rules.precision_array, 60.0), (rules.norm_array, 0.6)):
        exact = np.concatenate([thresholds, np.nextafter(thresholds, np.inf), np.nextafter(thresholds, -np.inf)])
        values = np.concatenate([rng.random(5000) * scale, exact, [-1.0, np.inf, -np.inf, 0.0, 1e300, np.nan]])
        values = np.concatenate([values, np.arange(0, 51) * 0.01, np.arange(0, 21) * 0.05, np.arange(0, 21) / 20])
        np.testing.assert_array_equal(thresholds_below(values[None], thresholds)[0], np.searchsorted(thresholds, values, "left"))


def test_many_sequences_scored_in_threads_match_one_by_one():
    from nlbench.core.errors import EvaluationError

    sequences, preds = random_world(6, n_seqs=40, n_trackers=2, max_len=12)
    together = evaluate(sequences, preds, "tnl2k", bootstrap=False)
    for name, t in together.trackers.items():
        singles = [evaluate([s], {name: preds[name]}, "tnl2k", bootstrap=False).trackers[name].auc for s in sequences]
        assert t.auc == pytest.approx(np.mean(singles), abs=1e-9)
        assert [v["auc"] for v in t.sequence_scores().values()] == pytest.approx(singles, abs=1e-12)
    broken = {k: dict(v) for k, v in preds.items()}
    for index in (35, 30):
        broken["t1"][f"seq{index}"] = np.full((3, 4), np.nan)
    with pytest.raises(EvaluationError, match="tracker t1, sequence seq30:"):
        evaluate(sequences, broken, "tnl2k")


def test_protocols_differ_from_the_reference_only_in_named_rules():
    from dataclasses import fields

    reference = PROTOCOLS["jointnlt"]

    def differences(name):
        other = PROTOCOLS[name]
        return {f.name for f in fields(reference) if getattr(other, f.name) != getattr(reference, f.name)} - {"name", "description"}

    # eval-spec §1.8 step 6: the one scoring rule PYT-master changed; and its OTB loader starts Tiger1 at frame 6
    assert differences("pytracking") == {"validity", "init_omit"}
    assert differences("got10k") >= {"iou_eps", "iou_clip", "norm_divide_first", "short_result", "validity", "norm_thresholds"}
    assert differences("tnl2k-matlab") - differences("lasot-matlab") == {"absent_from_zero_gt", "norm_precision_headline"}
