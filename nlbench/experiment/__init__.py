"""Experiments as files: one TOML file describes a whole comparison; ``nlbench experiment FILE`` carries it out.

``spec`` reads and checks the file, ``plan`` turns it into a grid of steps, each a stage request (its
``to_argv()`` is the verb a user can run alone), ``execute`` hands what is missing to the stage functions and
records what produced each run in ``experiment.lock.json``.
"""

from nlbench.experiment.execute import LOCK_NAME, execute, read_lock
from nlbench.experiment.plan import Plan, make_plan
from nlbench.experiment.spec import Experiment, load_experiment

__all__ = ["LOCK_NAME", "Experiment", "Plan", "execute", "load_experiment", "make_plan", "read_lock"]
