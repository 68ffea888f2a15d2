"""An experiment as a grid of steps: runs (entry × dataset × mode), evaluations, groundings, profiles, report.

Each step knows the verb that does its work alone (``argv``), so ``--dry-run`` prints a chain a user
can paste, and what inputs it needs that are not on this machine (``missing``).
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nlbench.eval.protocols import DEFAULT_PROTOCOL
from nlbench.experiment.spec import DatasetSpec, EntrySpec, Experiment

#: the eval and report verbs read a run's initialisation from NAME@INIT
_INIT = {"nl": "nl", "nl+bb": "nl+bb", "bb": "bb"}


def _rel(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when below it."""
    try:
        return os.path.relpath(path) if Path(path).resolve().is_relative_to(Path.cwd().resolve()) else str(path)
    except ValueError:
        return str(path)


def _checkpoint_args(checkpoint: Any) -> list[str]:
    if checkpoint is None:
        return []
    if isinstance(checkpoint, dict):
        return [a for role, path in checkpoint.items() for a in ("--checkpoint", f"{role}={_rel(path)}")]
    return ["--checkpoint", _rel(checkpoint)]


def _option_args(options: dict[str, Any], flag: str = "--option") -> list[str]:
    out = []
    for key, value in options.items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        out += [flag, f"{key}={text}"]
    return out


@dataclass(frozen=True)
class RunStep:
    entry: EntrySpec
    dataset: DatasetSpec
    mode: str
    out_dir: Path
    owner: str = ""  # the [entries] key it belongs to (a sentence-variant run belongs to its base entry)

    @property
    def entry_key(self) -> str:
        return self.owner or self.entry.key

    @property
    def key(self) -> str:
        """Its identity in the lock file: entry/dataset/mode."""
        return f"{self.entry.key}/{self.dataset.key}/{self.mode}"

    @property
    def label(self) -> str:
        """``NAME@INIT``: the name shown in tables, with the initialisation the report groups by."""
        return f"{self.entry.name}@{_INIT[self.mode]}"

    @property
    def checkpoint(self) -> Any:
        return self.entry.checkpoint_for(self.dataset.key)

    def run_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`nlbench.run.runner.run` (the same run as :meth:`argv`)."""
        checkpoint = self.checkpoint
        if isinstance(checkpoint, dict):
            checkpoint = {role: str(path) for role, path in checkpoint.items()}
        elif checkpoint is not None:
            checkpoint = str(checkpoint)
        kwargs = dict(
            tracker=self.entry.tracker, dataset=self.dataset.dataset, root=self.dataset.root, split=self.dataset.split,
            sequences=list(self.dataset.sequences) if self.dataset.sequences else None, mode=self.mode,
            checkpoint=checkpoint, device=self.entry.device, out=self.out_dir, workers=self.entry.workers,
            options=dict(self.entry.options),
        )
        if self.entry.batch_size is not None:
            kwargs["batch_size"] = self.entry.batch_size
        if self.entry.sentences is not None:
            kwargs["sentences"] = self.entry.sentences
        return kwargs

    def argv(self) -> list[str]:
        args = ["run", "--tracker", self.entry.tracker, "--dataset", self.dataset.dataset]
        args += _dataset_args(self.dataset)
        args += ["--mode", self.mode, *_checkpoint_args(self.checkpoint)]
        if self.entry.device != "cpu":
            args += ["--device", self.entry.device]
        args += ["--out", _rel(self.out_dir), "--workers", str(self.entry.workers)]
        if self.entry.batch_size is not None:
            args += ["--batch-size", str(self.entry.batch_size)]
        if self.entry.sentences is not None:
            args += ["--sentences", _rel(self.entry.sentences)]
        return args + _option_args(self.entry.options) + ["--quiet"]


def _dataset_args(dataset: DatasetSpec, subset: bool = True) -> list[str]:
    args = []
    if dataset.root is not None:
        args += ["--root", _rel(dataset.root)]
    if dataset.split is not None:
        args += ["--split", dataset.split]
    if subset and dataset.sequences:
        args += ["--sequences", ",".join(dataset.sequences)]
    return args


@dataclass(frozen=True)
class Step:
    """A verb after the runs (eval, ground, profile, report), run in-process exactly as printed."""

    verb: str
    args: tuple[str, ...]
    produces: Path | None = None  # its main output, for the plan's listing

    def argv(self) -> list[str]:
        return [self.verb, *self.args]


@dataclass
class Plan:
    experiment: Experiment
    before_runs: list[Step]  # sentence files the runs read
    runs: list[RunStep]
    evaluations: list[Step]
    groundings: list[Step]
    profiles: list[Step]
    report: Step | None
    sensitivity: Step | None = None
    missing: list[str] = field(default_factory=list)

    @property
    def after_runs(self) -> list[Step]:
        return [*self.evaluations, *self.groundings, *self.profiles, *([self.sensitivity] if self.sensitivity else []),
                *([self.report] if self.report else [])]

    def chain(self) -> list[list[str]]:
        return [s.argv() for s in self.before_runs] + [r.argv() for r in self.runs] + [s.argv() for s in self.after_runs]

    def describe(self) -> str:
        """The grid as a short table: one line per run, then the other steps."""
        exp = self.experiment
        lines = [f"experiment '{exp.name}' ({exp.path}): {len(self.runs)} run(s), {len(self.evaluations)} evaluation(s), "
                 f"{len(self.groundings)} grounding(s), {len(self.profiles)} profile(s), report: {'yes' if self.report else 'no'}"]
        width = max((len(r.key) for r in self.runs), default=0)
        for run in self.runs:
            lines.append(f"  run  {run.key:<{width}}  {run.entry.tracker} -> {_rel(run.out_dir)}")
        for step in [*self.before_runs, *self.after_runs]:
            lines.append(f"  {step.verb:<5}{' -> ' + _rel(step.produces) if step.produces else ''}")
        return "\n".join(lines)


def shell_line(argv: list[str]) -> str:
    return "nlbench " + shlex.join(argv)


def run_folder(exp: Experiment, entry: EntrySpec, dataset: DatasetSpec, mode: str) -> Path:
    """One run folder per (entry, dataset, mode): ``<results>/<dataset>/<entry>-<mode>``."""
    return exp.results / dataset.key / f"{entry.key}-{mode}"


def make_plan(exp: Experiment) -> Plan:
    runs = [
        RunStep(entry, exp.datasets[d], mode, run_folder(exp, entry, exp.datasets[d], mode))
        for d in exp.datasets
        for entry in exp.entries.values()
        if d in entry.datasets
        for mode in entry.modes
    ]
    before, variant_runs, sensitivity = _sensitivity(exp, runs)
    protocol = exp.report.protocols[0] if exp.report else DEFAULT_PROTOCOL
    evaluations, eval_json = [], []
    for key, dataset in exp.datasets.items():
        mine = [r for r in runs if r.dataset.key == key]
        if not mine:
            continue
        out = exp.reports / f"eval-{key}.json"
        args = ["--dataset", dataset.dataset, *_dataset_args(dataset)]
        for run in mine:
            args += ["--results", f"{run.label}={_rel(run.out_dir)}"]
        protocols = exp.report.protocols if exp.report else (protocol,)
        args += ["--protocol", ",".join(protocols)] if len(protocols) > 1 else (["--protocol", protocol] if protocol != DEFAULT_PROTOCOL else [])
        evaluations.append(Step("eval", (*args, "--json", _rel(out)), out))
        eval_json.append(out)
    groundings = []
    for g in exp.grounding:
        out = exp.reports / f"grounding-{g.name}.json"
        args = ["--grounder", g.grounder, "--dataset", g.dataset]
        if g.root is not None:
            args += ["--root", _rel(g.root)]
        for flag, value in (("--split-by", g.split_by), ("--split", g.split), ("--unit", g.unit), ("--rule", g.rule)):
            if value is not None:
                args += [flag, value]
        args += _checkpoint_args(g.checkpoint)
        if g.device != "cpu":
            args += ["--device", g.device]
        if g.limit is not None:
            args += ["--limit", str(g.limit)]
        if g.batch_size is not None:
            args += ["--batch-size", str(g.batch_size)]
        args += ["--predictions", _rel(exp.reports / f"grounding-{g.name}.csv"), "--json", _rel(out), "--quiet"]
        groundings.append(Step("ground", tuple(args), out))
    profiles = []
    for p in exp.profiles:
        out = exp.reports / f"profile-{p.name}.json"
        args = ["--tracker", p.tracker, "--iterations", str(p.iterations), "--warmup", str(p.warmup)]
        if p.device != "cpu":
            args += ["--device", p.device]
        if p.dtype != "fp32":
            args += ["--dtype", p.dtype]
        profiles.append(Step("profile", (*args, "--json", _rel(out)), out))
    report = None
    if exp.report is not None:
        args = _report_args(exp, runs, eval_json, groundings, profiles, sensitivity)
        report = Step("report", tuple(args), exp.reports / "index.html")
    plan = Plan(exp, before, runs + variant_runs, evaluations, groundings, profiles, report, sensitivity)
    plan.missing = missing_inputs(plan)
    return plan


def _sensitivity(exp: Experiment, runs: list[RunStep]) -> tuple[list[Step], list[RunStep], Step | None]:
    """The report's sentence study: a sentence file per variant, a run with each, one `nlbench sensitivity`."""
    spec = exp.report.sensitivity if exp.report else None
    if spec is None:
        return [], [], None
    base = next(r for r in runs if r.entry.key == spec.entry and r.dataset.key == spec.dataset and r.mode == spec.mode)
    dataset = base.dataset
    before, variant_runs = [], []
    args = ["--dataset", dataset.dataset, *_dataset_args(dataset), "--base", f"{base.entry.name}={_rel(base.out_dir)}"]
    for variant in spec.variants:
        sentences = exp.reports / "sentences" / f"{dataset.key}-{variant}.csv"
        sargs = ["--dataset", dataset.dataset, *_dataset_args(dataset, subset=False), "--variant", variant]
        before.append(Step("sentences", (*sargs, "--out", _rel(sentences)), sentences))
        entry = replace(base.entry, key=f"{base.entry.key}-{variant}", name=f"{base.entry.name} [{variant}]",
                        modes=(spec.mode,), datasets=(dataset.key,), sentences=sentences)
        run = RunStep(entry, dataset, spec.mode, run_folder(exp, entry, dataset, spec.mode), owner=base.entry.key)
        variant_runs.append(run)
        args += ["--variant", f"{variant}={_rel(run.out_dir)}"]
    out = exp.reports / f"sensitivity-{base.entry.key}.json"
    return before, variant_runs, Step("sensitivity", (*args, "--json", _rel(out)), out)


def _report_args(exp: Experiment, runs: list[RunStep], eval_json: list[Path], groundings: list[Step], profiles: list[Step],
                 sensitivity: Step | None) -> list[str]:
    spec = exp.report
    args = []
    for key, dataset in exp.datasets.items():
        if any(r.dataset.key == key for r in runs) or (spec.reported and dataset.dataset):
            args += ["--dataset", dataset.dataset]
    tracking = [k for k in exp.datasets if any(r.dataset.key == k for r in runs)]
    if len(tracking) == 1:
        # one dataset: the report evaluates the runs itself, as `nlbench report --results` does
        dataset = exp.datasets[tracking[0]]
        if dataset.root is not None:
            args += ["--root", _rel(dataset.root)]
        for run in runs:
            args += ["--results", f"{run.label}={_rel(run.out_dir)}"]
        if spec.protocols[0] != DEFAULT_PROTOCOL:
            args += ["--protocol", spec.protocols[0]]
    else:
        for path in eval_json:
            args += ["--eval-json", _rel(path)]
        args += ["--protocol", spec.protocols[0]]
    for step in groundings:
        args += ["--grounding", _rel(step.produces)]
    for step in profiles:
        args += ["--profile", _rel(step.produces)]
    if sensitivity is not None:
        args += ["--sensitivity", _rel(sensitivity.produces)]
    if spec.qualitative:
        args += ["--qualitative", str(spec.qualitative)]
        if spec.qualitative_pick:
            args += ["--qualitative-pick", spec.qualitative_pick]
    if spec.reported:
        args.append("--reported")
    args += ["--title", spec.title or exp.title, "--scale", spec.scale, "--out", _rel(exp.reports)]
    return args


def missing_inputs(plan: Plan) -> list[str]:
    """Datasets and checkpoints this machine lacks, each with where to get it and how to point nlbench at it."""
    from nlbench.core.config import resolve_root
    from nlbench.core.errors import NlbenchError
    from nlbench.core.registry import get_dataset, get_tracker

    missing: list[str] = []
    seen_roots: set[tuple[str, str]] = set()

    def check_root(dataset: str, root: Path | None, note: str | None) -> None:
        ident = (dataset, str(root))
        if ident in seen_roots:
            return
        seen_roots.add(ident)
        plugin = get_dataset(dataset)
        if note:
            missing.append(f"dataset '{dataset}': {note}. It comes from {plugin.source}.")
            return
        if root is None and plugin.default_root is not None:
            return  # it builds itself on first use (synth); a dry run must not build it
        try:
            resolve_root(get_dataset(dataset), root)
        except NlbenchError as exc:
            missing.append(str(exc))

    for run in plan.runs:
        check_root(run.dataset.dataset, run.dataset.root, run.dataset.root_note)
    for g in plan.experiment.grounding:
        check_root(g.dataset, g.root, g.root_note)

    seen_checkpoints: set[str] = set()

    def check_checkpoint(tracker: str, checkpoint: Any, where: str) -> None:
        plugin = get_tracker(tracker)
        if checkpoint is None:
            if plugin.needs_checkpoint and plugin.default_checkpoint is None:
                missing.append(f"{where}: tracker '{tracker}' needs weights and none are given (checkpoint = ...). {plugin.checkpoint_help}".strip())
            return
        parts = checkpoint.items() if isinstance(checkpoint, dict) else [("", checkpoint)]
        for role, path in parts:
            if str(path) in seen_checkpoints or Path(path).is_file():
                continue
            seen_checkpoints.add(str(path))
            help_text = plugin.checkpoint_help
            if role and "+" in tracker:
                part = tracker.split("+", 1)[0 if role == "grounder" else 1]
                help_text = get_tracker(part).checkpoint_help
            label = f" ({role})" if role else ""
            missing.append(f"{where}: checkpoint{label} {path} not found. {help_text}".strip())

    for run in plan.runs:
        check_checkpoint(run.entry.tracker, run.checkpoint, f"entries.{run.entry.key} on {run.dataset.key}")
    for g in plan.experiment.grounding:
        check_checkpoint(g.grounder, g.checkpoint, f"grounding '{g.name}'")
    for run in plan.runs:
        if run.entry.sentences is not None and not run.owner and not run.entry.sentences.is_file():
            missing.append(f"entries.{run.entry.key}: sentence file {run.entry.sentences} not found")
    return list(dict.fromkeys(missing))
