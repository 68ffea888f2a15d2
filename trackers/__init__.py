"""Tracker and grounder plugins of nlbench, imported as ``nlbench_trackers``.

The folder is ``trackers/`` in the repository; it is installed under the name
``nlbench_trackers`` so that it cannot clash with the unrelated ``trackers``
distribution on PyPI.
"""
