"""Writing pictures and videos: H.264 MP4 (PyAV), GIF (Pillow), PNG (OpenCV); all written atomically.

PyAV's wheel carries FFmpeg with libx264, so no system ffmpeg is needed.  The MP4 is H.264 High
profile in yuv420p with the index at the front (``+faststart``): the format every browser plays inline.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

from nlbench.core.errors import VisualizationError
from nlbench.core.io import atomic_output, atomic_write_bytes

__all__ = ["SUPPORTED_SUFFIXES", "check_suffix", "write_gif", "write_mp4", "write_png"]

#: Output formats by file suffix: video, animation, key-frame strip.
SUPPORTED_SUFFIXES = (".mp4", ".gif", ".png")


def check_suffix(path: str | Path) -> str:
    """The output kind of ``path`` (its lower-case suffix); an error lists the supported ones."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise VisualizationError(
            f"--out {path}: unsupported extension {suffix or '(none)'!r}; use one of {', '.join(SUPPORTED_SUFFIXES)} "
            "(.mp4 video, .gif animation, .png strip of key frames)"
        )
    return suffix


def write_mp4(frames: Iterable[np.ndarray], path: str | Path, fps: float = 25.0, crf: int = 23) -> Path:
    """Encode RGB frames (all of one even size) as H.264/yuv420p MP4."""
    import av

    count = 0
    # +faststart rewrites the file after encoding (index first), so the muxer needs a real file, not a buffer
    with atomic_output(path) as tmp, av.open(str(tmp), mode="w", format="mp4", options={"movflags": "+faststart"}) as container:
        stream = None
        for frame in frames:
            if stream is None:
                height, width = frame.shape[:2]
                if width % 2 or height % 2:
                    raise ValueError(f"H.264 with yuv420p needs even frame sizes, got {width}x{height}")
                stream = container.add_stream("libx264", rate=round(fps), options={"crf": str(crf), "preset": "veryfast"})
                stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            elif frame.shape[:2] != (stream.height, stream.width):
                raise ValueError(f"frame {count} is {frame.shape[1]}x{frame.shape[0]}, not {stream.width}x{stream.height}")
            video_frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
            for packet in stream.encode(video_frame):
                container.mux(packet)
            count += 1
        if stream is None:
            raise VisualizationError(f"--out {path}: no frames to write")
        for packet in stream.encode():  # flush the encoder's delayed frames
            container.mux(packet)
    return Path(path)


def write_gif(frames: Iterable[np.ndarray], path: str | Path, fps: float = 25.0) -> Path:
    """An endlessly looping GIF; each frame gets its own 256-colour palette."""
    from PIL import Image

    images = [Image.fromarray(np.ascontiguousarray(f)).quantize(256, method=Image.Quantize.FASTOCTREE) for f in frames]
    if not images:
        raise VisualizationError(f"--out {path}: no frames to write")
    buffer = io.BytesIO()
    # GIF delays are in hundredths of a second
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], loop=0,
                   duration=max(20, round(1000 / fps / 10) * 10), disposal=1)
    return atomic_write_bytes(path, buffer.getvalue())


def write_png(image: np.ndarray, path: str | Path) -> Path:
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    if not ok:
        raise VisualizationError(f"cannot encode {path} as PNG")
    return atomic_write_bytes(path, encoded.tobytes())
