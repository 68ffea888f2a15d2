"""Carry out a plan: run what is missing (resume), re-run what changed, then evaluate, ground, profile, report.

``<results>/experiment.lock.json`` records what produced each run folder (tracker, checkpoint SHA-256,
options, nlbench version). A run whose identity changed since its lock entry is moved aside to
``<results>/.superseded/`` and run again; a complete run whose identity is unchanged is not touched,
so a second call builds no tracker.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from nlbench import __version__
from nlbench.core.errors import ExperimentError
from nlbench.core.io import atomic_write_json
from nlbench.core.request import Request
from nlbench.experiment.plan import Plan, RunStep

LOCK_NAME = "experiment.lock.json"

log = logging.getLogger(__name__)


@dataclass
class ExperimentOutcome:
    ran: list[str] = field(default_factory=list)  # run keys that ran (fully or resumed)
    rerun: list[str] = field(default_factory=list)  # run keys whose identity changed
    up_to_date: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # run key -> "n sequence(s) failed"
    steps: list[str] = field(default_factory=list)  # verbs run after the runs


def _sha256_cached(path: Path, earlier: dict[str, Any]) -> str:
    """SHA-256 of a checkpoint, reusing the lock's value while its size and mtime are unchanged."""
    from nlbench.store.manifest import sha256_file

    stat = path.stat()
    stamp = {"path": str(path.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    if earlier.get("stamp") == stamp and earlier.get("sha256"):
        return earlier["sha256"]
    return sha256_file(path)


def identity(step: RunStep, earlier: dict[str, Any] | None = None) -> dict[str, Any]:
    """What determines a run's boxes; a change in any field re-runs it."""
    earlier = earlier or {}
    checkpoint = step.checkpoint
    parts = checkpoint.items() if isinstance(checkpoint, dict) else ([("model", checkpoint)] if checkpoint is not None else [])
    files = {}
    for role, path in parts:
        path = Path(path)
        old = earlier.get("checkpoints", {}).get(role, {})
        stat = path.stat()
        files[role] = {"path": str(path.resolve()), "sha256": _sha256_cached(path, old),
                       "stamp": {"path": str(path.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}}
    sentences = None
    if step.entry.sentences is not None:
        from nlbench.store.manifest import sha256_file

        sentences = sha256_file(step.entry.sentences)
    return {
        "tracker": step.entry.tracker,
        "dataset": step.dataset.dataset,
        "root": str(step.dataset.root) if step.dataset.root else None,
        "split": step.dataset.split,
        "sequences": list(step.dataset.sequences) if step.dataset.sequences else None,
        "mode": step.mode,
        "options": step.entry.options,
        "sentences_sha256": sentences,
        "checkpoints": files,
    }


def _comparable(ident: dict[str, Any]) -> dict[str, Any]:
    """Identity without file stamps: a touched but identical checkpoint is the same run."""
    out = dict(ident)
    out["checkpoints"] = {role: f.get("sha256") for role, f in ident.get("checkpoints", {}).items()}
    return out


def read_lock(results: Path) -> dict[str, Any]:
    path = results / LOCK_NAME
    if not path.is_file():
        return {"runs": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ExperimentError(f"{path}: not valid JSON ({exc}); delete it to rebuild it from the run folders") from exc
    data.setdefault("runs", {})
    return data


def _write_lock(results: Path, lock: dict[str, Any]) -> None:
    lock["nlbench"] = __version__
    atomic_write_json(results / LOCK_NAME, lock)


def _complete(step: RunStep) -> bool:
    """Every planned sequence has its result file and no failure is recorded."""
    from nlbench.datasets import load_sequences
    from nlbench.store.manifest import read_manifest

    manifest = read_manifest(step.out_dir)
    if not manifest:
        return False
    records = manifest.get("sequences", {})
    if any(r.get("status") != "done" for r in records.values()):
        return False
    names = [s.name for s in load_sequences(step.dataset.dataset, step.dataset.root, step.dataset.split,
                                            list(step.dataset.sequences) if step.dataset.sequences else None,
                                            with_frames=False)]
    return all(n in records and (step.out_dir / f"{n}.txt").is_file() for n in names)


def _supersede(step: RunStep, results: Path) -> Path | None:
    if not step.out_dir.exists():
        return None
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    target = results / ".superseded" / f"{step.out_dir.parent.name}-{step.out_dir.name}-{stamp}"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(step.out_dir), target)
    return target


def _stage_and_text(request: Request) -> tuple[Callable[[Any], Any], Callable[[Any], str]]:
    """The stage function of a step's request and the text its verb prints of the summary."""
    from nlbench.eval.stages import EvalRequest, SensitivityRequest, eval_stage, sensitivity_stage
    from nlbench.eval.text import eval_text, sensitivity_text
    from nlbench.profile.stages import ProfileRequest, profile_stage
    from nlbench.profile.text import profile_text
    from nlbench.report.stages import ReportRequest, report_stage
    from nlbench.report.text import report_text
    from nlbench.run.stages import GroundRequest, SentencesRequest, ground_stage, sentences_stage
    from nlbench.run.text import ground_text, sentences_text

    stages: dict[type, tuple[Callable[[Any], Any], Callable[[Any], str]]] = {
        SentencesRequest: (sentences_stage, sentences_text),
        EvalRequest: (eval_stage, eval_text),
        GroundRequest: (ground_stage, ground_text),
        ProfileRequest: (profile_stage, profile_text),
        SensitivityRequest: (sensitivity_stage, sensitivity_text),
        ReportRequest: (report_stage, report_text),
    }
    try:
        return stages[type(request)]
    except KeyError:
        raise ExperimentError(f"an experiment has no step '{request.shell_line()}'") from None


def run_step(request: Request) -> Any:
    """Carry out one step after (or before) the runs, as ``nlbench ARGV`` would; its text goes to the log."""
    stage, text = _stage_and_text(request)
    summary = stage(request)
    log.info(text(summary))
    return summary


def execute(
    plan: Plan,
    only: tuple[str, ...] = (),
    shard: str | None = None,
    executor: str = "local",
    ray_address: str | None = None,
    progress: bool = True,
) -> ExperimentOutcome:
    """Run the plan; see ``nlbench experiment --help``.  What it does is told on the ``nlbench.experiment`` logger.

        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "exp.toml").write_text(
        ...     '[experiment]\\nname = "x"\\nresults = "res"\\nreports = "rep"\\n'
        ...     '[datasets.synth]\\nsplit = "test"\\nsequences = ["synth_test_0001"]\\n'
        ...     '[entries.static]\\ntracker = "static"\\nmodes = ["bb"]\\n')
        >>> from nlbench.experiment.plan import make_plan
        >>> from nlbench.experiment.spec import load_experiment
        >>> plan = make_plan(load_experiment(folder / "exp.toml"))
        >>> execute(plan, progress=False).ran, execute(plan, progress=False).up_to_date
        (['static/synth/bb'], ['static/synth/bb'])
    """
    from nlbench.run.stages import run_stage

    exp = plan.experiment
    if plan.missing:
        raise ExperimentError(
            f"{exp.path}: {len(plan.missing)} input(s) missing, nothing was run:\n  - " + "\n  - ".join(plan.missing)
        )
    unknown = [o for o in only if o not in exp.entries]
    if unknown:
        raise ExperimentError(f"--only {unknown[0]}: no such entry in {exp.path} (entries: {', '.join(exp.entries)})")
    outcome = ExperimentOutcome()
    lock = read_lock(exp.results)
    runs = [r for r in plan.runs if not only or r.entry_key in only]
    for step in plan.before_runs:  # sentence files: deterministic, cheap, read by the runs below
        run_step(step.request)
    for step in runs:
        earlier = lock["runs"].get(step.key)
        current = identity(step, earlier.get("identity") if earlier else None)
        changed = earlier is not None and _comparable(earlier.get("identity", {})) != _comparable(current)
        if changed:
            moved = _supersede(step, exp.results)
            outcome.rerun.append(step.key)
            log.info(f"{step.key}: changed since the last call; re-running" + (f" (old results moved to {moved})" if moved else ""))
        elif earlier is not None and shard is None and _complete(step):
            outcome.up_to_date.append(step.key)
            log.info(f"{step.key}: up to date")
            continue
        log.info(f"\n$ {step.request.shell_line()}" + (f"  (shard {shard})" if shard else ""))
        # Lock before running: a killed run resumes under the same identity on the next call.
        lock["runs"][step.key] = {"out_dir": str(step.out_dir), "identity": current, "entry": step.entry.key,
                                  "display_name": step.entry.name, "nlbench": __version__,
                                  "started": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        _write_lock(exp.results, lock)
        summary = run_stage(replace(step.request, shard=shard, executor=executor, ray_address=ray_address,
                                    quiet=not progress))
        outcome.ran.append(step.key)
        lock["runs"][step.key]["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        _write_lock(exp.results, lock)
        if summary.failed:
            outcome.failed[step.key] = f"{len(summary.failed)} sequence(s) failed (see {summary.out_dir / 'run.json'})"
    if shard is not None:
        log.info(f"\nshard {shard}: runs done. Evaluate and report once every shard has finished: nlbench experiment {exp.path}")
        return outcome
    others = [r.key for r in plan.runs if r not in runs and not _complete(r)]
    if others:
        log.info(f"\nnot evaluated: {len(others)} run(s) outside --only are not finished ({', '.join(others)}); "
                 f"call again without --only to finish them, evaluate and report")
        return outcome
    if outcome.failed:
        raise ExperimentError("runs failed, so nothing was evaluated: " + "; ".join(f"{k}: {v}" for k, v in outcome.failed.items()))
    exp.reports.mkdir(parents=True, exist_ok=True)
    for step in plan.after_runs:
        if step.verb == "profile" and step.produces is not None and step.produces.is_file():
            log.info(f"profile: {step.produces} exists (delete it to profile again)")
            continue
        log.info(f"\n$ {step.request.shell_line()}")
        start = time.perf_counter()
        run_step(step.request)
        outcome.steps.append(step.verb)
        if progress:
            log.info(f"  ({time.perf_counter() - start:.1f} s)")
    return outcome
