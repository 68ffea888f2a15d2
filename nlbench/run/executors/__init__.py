"""How a planned run is executed: one small function per executor, each yielding one :class:`SequenceOutcome` per sequence.

``nlbench.run.runner`` plans (manifest, resume, pending sequences) and records outcomes; the executors only run
sequences and write their result files:

- :func:`~nlbench.run.executors.local.run_sequential` -- one tracker in this process, one sequence after another;
- :func:`~nlbench.run.executors.local.run_process_pool` -- ``--workers N`` processes, one tracker each;
- :func:`~nlbench.run.executors.batched.run_batched` -- one batched tracker advancing B sequences per step;
- :func:`~nlbench.run.executors.ray.run_on_ray` -- Ray actors, one tracker (or batched tracker) each.
"""

from nlbench.run.executors.job import Job, SequenceOutcome

__all__ = ["Job", "SequenceOutcome"]
