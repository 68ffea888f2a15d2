"""Synth sentence variants: derived from the scene, deterministic, and each one fits what its name promises."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from nlbench.cli import main
from nlbench.datasets.synth.build import generate_sequence, generate_split, write_marker
from nlbench.datasets.synth.scene import COLOURS, SHAPES, SIZE_RANGES
from nlbench.datasets.synth.variants import VARIANTS, first_frame_scene, sentence_variant, synth_variants
from nlbench.run.sentences import read_sentence_file

NAMES = [f"synth_test_{i:04d}" for i in range(1, 41)]


@pytest.fixture(scope="module")
def variants():
    return {v: synth_variants(NAMES, v) for v in VARIANTS}


@pytest.fixture(scope="module")
def scenes():
    return [first_frame_scene(2023, "test", i) for i in range(40)]


def _matching(objects, sentence: str) -> list[int]:
    """Indices of the objects whose size/colour/shape words all appear in ``sentence`` (its first noun phrase)."""
    words = sentence.split()
    for cut in ("left", "right", "above", "below", "on", "at", "in"):  # the referent's phrase ends at a relation
        if cut in words[1:]:
            words = words[: words.index(cut, 1)]
    size = [w for w in words if w in SIZE_RANGES]
    colour = [w for w in words if w in COLOURS]
    shape = [w for w in words if w in SHAPES]
    return [i for i, o in enumerate(objects)
            if all(o.size_class == w for w in size) and all(o.colour == w for w in colour)
            and all(o.shape == w for w in shape)]


def test_the_fast_scene_is_the_generated_one():
    for index in (0, 9, 31):
        assert first_frame_scene(2023, "test", index).sentence == generate_sequence(2023, "test", index).scene.sentence


def test_hand_checked_variants_of_the_first_sequences(variants):
    # synth_test_0001: target large purple square; a small purple square and a small purple star
    assert {v: variants[v]["synth_test_0001"] for v in VARIANTS} == {
        "original": "a large purple square",
        "paraphrase": "the square that is purple and large",
        "minimal": "the large square",
        "ambiguous": "the square",
        "distractor": "the star",
        "relational": "the square right of the small square",
    }
    # synth_test_0002: target small green diamond moving left; a large purple triangle and a large green diamond
    assert variants["paraphrase"]["synth_test_0002"] == "follow the green diamond of small size as it moves left"
    assert variants["distractor"]["synth_test_0002"] == "the triangle"


def test_variants_fit_what_their_names_promise(variants, scenes):
    for index, name in enumerate(NAMES):
        objects = scenes[index].objects
        minimal = variants["minimal"][name]
        if not any(p in minimal for p in (" on the ", " at the ", " in the ")):  # twins need a position word
            assert _matching(objects, minimal) == [0], (name, minimal)
        assert len(_matching(objects, variants["ambiguous"][name])) >= 2 and 0 in _matching(
            objects, variants["ambiguous"][name]), name
        distractor = variants["distractor"][name]
        fits = _matching(objects, distractor)
        assert 0 not in fits and fits, (name, distractor)  # another object of frame 0, never the target
        relational = variants["relational"][name]
        assert any(r in relational for r in (" left of ", " right of ", " above ", " below ")), relational
        assert 0 in _matching(objects, relational), relational
        original = variants["original"][name]
        if _matching(objects, original) == [0] and scenes[index].sentence_kind == "attribute":
            assert len(minimal.split()) <= len(original.split()) - original.startswith("track"), (minimal, original)


def test_variants_are_deterministic_and_safe_for_the_numpy_reader(variants):
    assert synth_variants(NAMES[:5], "distractor") == {n: variants["distractor"][n] for n in NAMES[:5]}
    for variant, sentences in variants.items():
        assert len(sentences) == 40
        for sentence in sentences.values():
            assert sentence and "," not in sentence and "#" not in sentence, (variant, sentence)
    # the paraphrase keeps the original's facts: the same colour, shape, size and direction words
    for name in NAMES:
        vocab = set(COLOURS) | set(SHAPES) | set(SIZE_RANGES) | {"left", "right", "up", "down", "above", "below"}
        assert sorted(set(variants["original"][name].split()) & vocab) == sorted(
            set(variants["paraphrase"][name].split()) & vocab), name
    with pytest.raises(ValueError, match="unknown sentence variant 'vague'"):
        sentence_variant(first_frame_scene(2023, "test", 0), "vague")


def test_sentences_command_writes_a_file_run_accepts(tmp_path):
    root = tmp_path / "synth"
    write_marker(root, 2023)
    generate_split(root, "test", seed=2023, count=2)  # default scene options: the real first two sequences
    out = tmp_path / "distractor.csv"
    result = CliRunner().invoke(main, ["sentences", "--dataset", "synth", "--root", str(root), "--variant", "distractor",
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == "sequence,sentence\nsynth_test_0001,the star\nsynth_test_0002,the triangle\n"
    original = CliRunner().invoke(main, ["sentences", "--dataset", "synth", "--root", str(root), "--out",
                                         str(tmp_path / "o.json")])
    assert original.exit_code == 0, original.output
    on_disk = {n: (root / "test" / n / "language.txt").read_text(encoding="utf-8").strip("\n")
               for n in ("synth_test_0001", "synth_test_0002")}
    assert read_sentence_file(tmp_path / "o.json").sentences == on_disk
    bad = CliRunner().invoke(main, ["sentences", "--dataset", "synth", "--root", str(root), "--variant", "vague",
                                    "--out", str(tmp_path / "x.csv")])
    assert bad.exit_code == 2 and "no sentence variant 'vague'" in bad.output
