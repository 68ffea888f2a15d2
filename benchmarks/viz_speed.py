"""How long does drawing a sequence take, next to the time the trackers took to run it?

Renders one 100-frame 256x192 synth sequence with the demo's 5 runs (``nlbench demo`` writes them to
``results/raw/demo/synth``) to an H.264 MP4 at native size, and to a GIF and a 5-frame PNG strip, in-process
(imports and the dataset load outside the timing; best of ``--repeat``).  The trackers' time is the sum of
their ``<seq>_time.txt`` (seconds per frame, as the runner measured them) over the 5 runs.  Also compares
the two H.264 writers a user could install without a system ffmpeg: PyAV (used) and imageio-ffmpeg.

Usage::

    nlbench demo                      # once, for the runs
    python benchmarks/viz_speed.py [--results results/raw/demo/synth] [--sequence synth_test_0001] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

RUNS = {  # the demo's runs: display name -> folder under --results
    "JointNLT-tiny [NL]": "jointnlt-tiny-nl",
    "JointNLT-tiny [NL+BB]": "jointnlt-tiny-nl+bb",
    "JointNLT-tiny+KCF": "jointnlt-tiny-kcf-nl",
    "KCF": "kcf-bb",
    "Static": "static-bb",
}


def best_of(repeat: int, function) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def writer_comparison(frames: list[np.ndarray], folder: Path, repeat: int) -> dict[str, tuple[float, int]]:
    """Encode the same RGB frames with PyAV and with imageio-ffmpeg (libx264, crf 23, veryfast, yuv420p)."""
    from nlbench.report.viz.writers import write_mp4

    out = {}
    path = folder / "pyav.mp4"
    out["PyAV"] = (best_of(repeat, lambda: write_mp4(frames, path)), path.stat().st_size)
    try:
        import imageio_ffmpeg
    except ImportError:
        return out
    height, width = frames[0].shape[:2]
    path = folder / "imageio.mp4"

    def imageio() -> None:
        writer = imageio_ffmpeg.write_frames(str(path), (width, height), fps=25, codec="libx264", pix_fmt_out="yuv420p",
                                             quality=None, macro_block_size=1,
                                             output_params=["-crf", "23", "-preset", "veryfast", "-movflags", "+faststart"])
        writer.send(None)
        for frame in frames:
            writer.send(np.ascontiguousarray(frame))
        writer.close()

    out["imageio-ffmpeg"] = (best_of(repeat, imageio), path.stat().st_size)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", type=Path, default=Path("results/raw/demo/synth"))
    parser.add_argument("--sequence", default="synth_test_0001")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from nlbench.report.viz.draw import layout_for
    from nlbench.report.viz.render import _video_frames, load_scene, render

    folders = {name: args.results / folder for name, folder in RUNS.items()}
    missing = [str(f) for f in folders.values() if not f.is_dir()]
    if missing:
        raise SystemExit(f"missing runs {', '.join(missing)}: run `nlbench demo` first (or pass --results)")
    scene = load_scene("synth", folders, args.sequence)
    tracking = {name: float(np.loadtxt(folder / f"{args.sequence}_time.txt").sum()) for name, folder in folders.items()}

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        render(scene, tmp_path / "warm.mp4")  # first call pays codec and font set-up
        mp4 = best_of(args.repeat, lambda: render(scene, tmp_path / "seq.mp4"))
        gif = best_of(args.repeat, lambda: render(scene, tmp_path / "seq.gif"))
        png = best_of(args.repeat, lambda: render(scene, tmp_path / "seq.png"))
        size = (tmp_path / "seq.mp4").stat().st_size
        layout = layout_for((192, 256, 3), len(scene.tracks))
        frames = list(_video_frames(scene, layout, progress=False))
        drawing = best_of(args.repeat, lambda: list(_video_frames(scene, layout, progress=False)))
        writers = writer_comparison(frames, tmp_path, args.repeat)

    total = sum(tracking.values())
    print(f"sequence {args.sequence}: {len(scene.frames)} frames {frames[0].shape[1]}x{frames[0].shape[0]} "
          f"(frame 256x192 + legend), {len(folders)} trackers; OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '-')}")
    print(f"render MP4  {mp4 * 1000:7.0f} ms  ({size / 1024:.0f} KiB; drawing alone {drawing * 1000:.0f} ms)")
    print(f"render GIF  {gif * 1000:7.0f} ms")
    print(f"render PNG  {png * 1000:7.0f} ms  (5 key frames)")
    for name, seconds in tracking.items():
        print(f"  tracker {name:24s} {seconds * 1000:8.0f} ms  (sum of {args.sequence}_time.txt)")
    print(f"trackers total {total * 1000:7.0f} ms; MP4 rendering takes {mp4 / total:.1%} of it ({total / mp4:.0f}x faster)")
    for name, (seconds, nbytes) in writers.items():
        print(f"writer {name:15s} {seconds * 1000:6.0f} ms for {len(frames)} frames, {nbytes / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
