"""Package discovery: ``trackers/`` is installed as ``nlbench_trackers`` (see trackers/__init__.py)."""

from setuptools import find_packages, setup

harness = find_packages(include=["nlbench", "nlbench.*"])
plugins = ["nlbench_trackers" + p[len("trackers"):] for p in find_packages(include=["trackers", "trackers.*"])]

# The published numbers (results/reported/) and the shipped experiments (experiments/) are top-level folders
# of the project; wheels carry a copy.
setup(
    packages=harness + plugins + ["nlbench._reported", "nlbench._experiments"],
    package_dir={"nlbench_trackers": "trackers", "nlbench._reported": "results/reported", "nlbench._experiments": "experiments"},
)
