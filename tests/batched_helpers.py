"""Drive a per-sequence tracker and a batched tracker over the same in-memory sequences, for exactness tests."""

from __future__ import annotations

from collections import deque

import numpy as np

from nlbench.core.types import SlotStart


def moving_block_sequences(specs: list[tuple[int, tuple[int, int]]], seed: int = 0) -> list[list[np.ndarray]]:
    """One sequence per (length, (height, width)): a red block drifting over noise, sizes differ per sequence."""
    rng = np.random.default_rng(seed)
    sequences = []
    for k, (length, (h, w)) in enumerate(specs):
        frames = []
        for i in range(length):
            frame = rng.integers(0, 60, (h, w, 3), dtype=np.uint8)
            y, x = h // 3 + i, w // 3 + 2 * i + k
            frame[y:y + h // 4, x:x + w // 4] = (220, 40, 40)
            frames.append(frame)
        sequences.append(frames)
    return sequences


def initial_box(frames: list[np.ndarray], k: int) -> np.ndarray:
    h, w = frames[0].shape[:2]
    return np.array([w // 3 + k, h // 3, w // 4, h // 4], dtype=np.float64)


def one_by_one(tracker, sequences, texts, boxes) -> list[np.ndarray]:
    out = []
    for frames, text, box in zip(sequences, texts, boxes):
        first = tracker.initialize(frames[0], text, box)
        out.append(np.array([first] + [tracker.track(f) for f in frames[1:]], dtype=np.float64))
    return out


def batched(tracker, sequences, texts, boxes) -> list[np.ndarray]:
    """The runner's schedule: fill free slots together, step every active slot, release finished ones."""
    results = [[] for _ in sequences]
    waiting = deque(range(len(sequences)))
    active: dict[int, tuple[int, int]] = {}  # slot -> (sequence index, next frame)
    while waiting or active:
        starts = {}
        for slot in range(tracker.capacity):
            if slot not in active and waiting:
                k = waiting.popleft()
                starts[slot] = SlotStart(sequences[k][0], texts[k], boxes[k])
                active[slot] = (k, 1)
        for slot, box in tracker.start(starts).items():
            results[active[slot][0]].append(box)
        for slot in [s for s, (k, i) in active.items() if i >= len(sequences[k])]:
            tracker.release(slot)
            del active[slot]
        if not active:
            continue
        boxes_now = tracker.step({slot: sequences[k][i] for slot, (k, i) in active.items()})
        for slot, box in boxes_now.items():
            k, i = active[slot]
            results[k].append(box)
            active[slot] = (k, i + 1)
            if i + 1 >= len(sequences[k]):
                tracker.release(slot)
                del active[slot]
    return [np.array(r, dtype=np.float64) for r in results]
