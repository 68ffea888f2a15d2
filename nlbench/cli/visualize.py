"""``nlbench visualize``: every tracker's boxes on a sequence's frames, as MP4, GIF or a PNG strip."""

from __future__ import annotations

import click

from nlbench.cli.group import register
from nlbench.cli.options import (
    OUT_FILE,
    dataset_option,
    results_option,
    root_option,
    sequences_option,
    skip_missing_option,
    split_option,
)


@click.command("visualize")
@dataset_option()
@root_option("Dataset root (default: the configured root).")
@split_option("Dataset split (default: the dataset's default).")
@results_option(help="Raw results folder of one tracker (repeatable; the order fixes the colours).")
@click.option("--sequence", "-s", default=None, help="The sequence to show.")
@click.option("--pick", "pick_rule", type=click.Choice(("worst", "disagree", "lost")), default=None,
              help="Pick the sequences (and frames) instead of --sequence; rules below.")
@sequences_option("With --pick: rank only these sequences.")
@skip_missing_option("With --pick and --sequences: drop sequences some folder has no result for.")
@click.option("--count", type=click.IntRange(min=1), default=1, show_default=True, help="Sequences to pick.")
@click.option("--context", type=click.IntRange(min=0), default=25, show_default=True,
              help="With --pick: frames shown before and after the failure span.")
@click.option("--frames", default=None, metavar="A:B", help="Frames A..B-1 (0-based; default: all).")
@click.option("--out", "-o", required=True, type=OUT_FILE,
              help="Output file: .mp4 (H.264), .gif, or .png (a strip of key frames).")
@click.option("--width", type=int, default=None, help="Frame width in pixels (default: native).")
@click.option("--keyframes", "-k", type=click.IntRange(min=1), default=5, show_default=True,
              help="Key frames in a .png strip.")
@click.option("--fps", type=click.FloatRange(min=1), default=25.0, show_default=True, help="Frame rate of .mp4/.gif.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def visualize_cmd(**params) -> None:
    """Draw every tracker's box on the frames of a sequence.

    Each frame shows the GT box (white, dashed), each tracker's box in a fixed
    colour-blind-safe colour (Okabe-Ito order of --results) with a legend, the
    frame index, each tracker's IoU with the GT (under the frame, in its colour),
    the sentence as a caption and, for NL runs with <seq>_ground.txt, the grounded
    first-frame box tagged "G". A .png is a strip of --keyframes frames spread
    evenly over the frames shown.

    \b
    --pick chooses the sequences (the --count first) and the frames:
      worst     each sequence scores the lowest per-sequence AUC of any tracker
                (jointnlt protocol); lowest first. Failure span: the longest run of
                frames where that tracker's IoU < 0.5 (none: its lowest-IoU frame).
      disagree  spread = highest minus lowest IoU of the trackers on a frame; a
                sequence scores its mean spread, highest first. Failure span: the
                longest run with spread >= 0.5 (none: the largest-spread frame).
      lost      NL runs (run.json mode nl or nl+bb, or _ground.txt files); a
                sequence scores the longest streak of frames with IoU exactly 0 of
                any NL run, longest first; sequences without one are not picked.
                Failure span: that streak.
    Frames without a valid GT box (absent, empty or invisible) are left out before
    runs are counted. --sequences restricts what is ranked (a named sequence
    missing from a folder is an error unless --skip-missing); of the whole split,
    only sequences every folder holds are ranked. Ties keep the dataset order.
    Frames shown: the failure span and --context frames each side.
    With --count > 1 files are named OUT-<rank>-<sequence>.<ext>.

    \b
    Examples:
      nlbench visualize -d synth --results JointNLT=results/raw/synth/jointnlt-tiny-nl \\
                        --results KCF=results/raw/synth/kcf-bb -s synth_test_0007 --out seq7.mp4
      nlbench visualize -d synth --results ... --sequence synth_test_0007 --out seq7.png -k 6 --width 384
      nlbench visualize -d lasot --root /data/LaSOT --results ... --pick lost --count 3 --out lost.mp4
    """
    from nlbench.report.stages import VisualizeRequest, visualize_stage
    from nlbench.report.text import visualize_text

    click.echo(visualize_text(visualize_stage(VisualizeRequest(**params))))


register(visualize_cmd)
