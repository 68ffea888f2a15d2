"""An experiment as a grid of steps: runs (entry × dataset × mode), evaluations, groundings, profiles, report.

Every step is a stage request (:mod:`nlbench.core.request`): ``execute`` hands it to its stage function,
and ``--dry-run`` prints its ``to_argv()``, the verb a user can run alone.  Paths in the requests are as
the user would type them (relative to the working directory when below it).  ``missing`` lists the inputs
this machine lacks.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from nlbench.core.registry import get_dataset
from nlbench.core.request import Request
from nlbench.eval.protocols import DEFAULT_PROTOCOL
from nlbench.eval.stages import EvalRequest, SensitivityRequest
from nlbench.experiment.spec import DatasetSpec, EntrySpec, Experiment
from nlbench.profile.stages import ProfileRequest
from nlbench.report.stages import ReportRequest
from nlbench.run.stages import GroundRequest, RunRequest, SentencesRequest

#: the eval and report verbs read a run's initialisation from NAME@INIT
_INIT = {"nl": "nl", "nl+bb": "nl+bb", "bb": "bb"}


def _rel(path: Path) -> Path:
    """A path as the user would type it: relative to the working directory when below it."""
    try:
        below = Path(path).resolve().is_relative_to(Path.cwd().resolve())
        return Path(os.path.relpath(path)) if below else Path(path)
    except ValueError:
        return Path(path)


def _rel_or_none(path: Path | None) -> Path | None:
    return None if path is None else _rel(path)


def _checkpoint(checkpoint: Any) -> str | dict[str, str] | None:
    if checkpoint is None:
        return None
    if isinstance(checkpoint, dict):
        return {role: str(_rel(path)) for role, path in checkpoint.items()}
    return str(_rel(checkpoint))


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

    @property
    def request(self) -> RunRequest:
        """The ``nlbench run`` of this cell of the grid (quiet, as the plan prints it)."""
        return RunRequest(
            tracker=self.entry.tracker, dataset=self.dataset.dataset, root=_rel_or_none(self.dataset.root),
            split=self.dataset.split, sequences=self.dataset.sequences or None, mode=self.mode,
            checkpoint=_checkpoint(self.checkpoint), device=self.entry.device, out=_rel(self.out_dir),
            workers=self.entry.workers, batch_size=self.entry.batch_size,
            sentences=_rel_or_none(self.entry.sentences), options=dict(self.entry.options), quiet=True,
        )


@dataclass(frozen=True)
class Step:
    """A stage after (or before) the runs: eval, ground, profile, sensitivity, report, sentences."""

    request: Request
    produces: Path | None = None  # its main output, for the plan's listing

    @property
    def verb(self) -> str:
        return self.request.verb[0]


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

    @property
    def requests(self) -> list[Request]:
        """Every stage the plan runs, in order: the experiment as a list of requests."""
        return [s.request for s in self.before_runs] + [r.request for r in self.runs] + [s.request for s in self.after_runs]

    def chain(self) -> list[list[str]]:
        """The equivalent command lines (each runs alone)."""
        return [request.to_argv() for request in self.requests]

    def describe(self) -> str:
        """The grid as a short table: one line per run, then the other steps."""
        exp = self.experiment
        lines = [f"experiment '{exp.name}' ({exp.path}): {len(self.runs)} run(s), {len(self.evaluations)} evaluation(s), "
                 f"{len(self.groundings)} grounding(s), {len(self.profiles)} profile(s), report: {'yes' if self.report else 'no'}"]
        width = max((len(r.key) for r in self.runs), default=0)
        for run in self.runs:
            lines.append(f"  run  {run.key:<{width}}  {run.entry.tracker} -> {_rel(run.out_dir)}")
        for step in [*self.before_runs, *self.after_runs]:
            lines.append(f"  {step.verb:<5}{' -> ' + str(_rel(step.produces)) if step.produces else ''}")
        return "\n".join(lines)


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
    protocols = exp.report.protocols if exp.report else (DEFAULT_PROTOCOL,)
    evaluations = []
    for key, dataset in exp.datasets.items():
        mine = [r for r in runs if r.dataset.key == key]
        if not mine:
            continue
        out = exp.reports / f"eval-{key}.json"
        request = EvalRequest(dataset=dataset.dataset, root=_rel_or_none(dataset.root), split=dataset.split,
                              sequences=dataset.sequences or None,
                              results=tuple(f"{run.label}={_rel(run.out_dir)}" for run in mine),
                              protocol=",".join(protocols), json_out=_rel(out))
        evaluations.append(Step(request, out))
    groundings = [Step(_ground_request(exp, g), exp.reports / f"grounding-{g.name}.json") for g in exp.grounding]
    profiles = []
    for p in exp.profiles:
        out = exp.reports / f"profile-{p.name}.json"
        profiles.append(Step(ProfileRequest(tracker=p.tracker, iterations=p.iterations, warmup=p.warmup, device=p.device,
                                            dtype=p.dtype, json_out=_rel(out)), out))
    report = None
    if exp.report is not None:
        report = Step(_report_request(exp, runs, evaluations, groundings, profiles, sensitivity),
                      exp.reports / "index.html")
    plan = Plan(exp, before, runs + variant_runs, evaluations, groundings, profiles, report, sensitivity)
    plan.missing = missing_inputs(plan)
    return plan


def _ground_request(exp: Experiment, g: Any) -> GroundRequest:
    fields: dict[str, Any] = {"rule": g.rule} if g.rule is not None else {}
    return GroundRequest(grounder=g.grounder, dataset=g.dataset, root=_rel_or_none(g.root), split_by=g.split_by,
                         split=g.split, unit=g.unit, checkpoint=_rel_or_none(g.checkpoint), device=g.device,
                         limit=g.limit, batch_size=g.batch_size,
                         predictions=_rel(exp.reports / f"grounding-{g.name}.csv"),
                         json_out=_rel(exp.reports / f"grounding-{g.name}.json"), quiet=True, **fields)


def _sensitivity(exp: Experiment, runs: list[RunStep]) -> tuple[list[Step], list[RunStep], Step | None]:
    """The report's sentence study: a sentence file per variant, a run with each, one `nlbench sensitivity`."""
    spec = exp.report.sensitivity if exp.report else None
    if spec is None:
        return [], [], None
    base = next(r for r in runs if r.entry.key == spec.entry and r.dataset.key == spec.dataset and r.mode == spec.mode)
    dataset = base.dataset
    before, variant_runs, variants = [], [], []
    for variant in spec.variants:
        sentences = exp.reports / "sentences" / f"{dataset.key}-{variant}.csv"
        request = SentencesRequest(dataset=dataset.dataset, root=_rel_or_none(dataset.root), split=dataset.split,
                                   variant=variant, out=_rel(sentences))
        before.append(Step(request, sentences))
        entry = replace(base.entry, key=f"{base.entry.key}-{variant}", name=f"{base.entry.name} [{variant}]",
                        modes=(spec.mode,), datasets=(dataset.key,), sentences=sentences)
        run = RunStep(entry, dataset, spec.mode, run_folder(exp, entry, dataset, spec.mode), owner=base.entry.key)
        variant_runs.append(run)
        variants.append(f"{variant}={_rel(run.out_dir)}")
    out = exp.reports / f"sensitivity-{base.entry.key}.json"
    request = SensitivityRequest(dataset=dataset.dataset, root=_rel_or_none(dataset.root), split=dataset.split,
                                 sequences=dataset.sequences or None, base=f"{base.entry.name}={_rel(base.out_dir)}",
                                 variants=tuple(variants), json_out=_rel(out))
    return before, variant_runs, Step(request, out)


def _report_request(exp: Experiment, runs: list[RunStep], evaluations: list[Step], groundings: list[Step],
                    profiles: list[Step], sensitivity: Step | None) -> ReportRequest:
    spec = exp.report
    datasets = tuple(dataset.dataset for key, dataset in exp.datasets.items()
                     if any(r.dataset.key == key for r in runs) or (spec.reported and dataset.dataset))
    tracking = [k for k in exp.datasets if any(r.dataset.key == k for r in runs)]
    fields: dict[str, Any] = {}
    if len(tracking) == 1:
        # one dataset: the report evaluates the runs itself, as `nlbench report --results` does, on the
        # sequences the runs cover (a split other than the dataset's default is named; the default is implied)
        dataset = exp.datasets[tracking[0]]
        fields["root"] = _rel_or_none(dataset.root)
        fields["sequences"] = dataset.sequences or None
        if dataset.split is not None and dataset.split != get_dataset(dataset.dataset).default_split:
            fields["split"] = dataset.split
        fields["results"] = tuple(f"{run.label}={_rel(run.out_dir)}" for run in runs)
        if spec.protocols[0] != DEFAULT_PROTOCOL:
            fields["protocol"] = spec.protocols[0]
    else:
        fields["eval_json"] = tuple(_rel(step.produces) for step in evaluations)
        fields["protocol"] = spec.protocols[0]
    if spec.qualitative:
        fields["qualitative"] = spec.qualitative
        if spec.qualitative_pick:
            fields["qualitative_pick"] = spec.qualitative_pick
    return ReportRequest(
        datasets=datasets, **fields,
        grounding=tuple(_rel(step.produces) for step in groundings),
        profiles=tuple(_rel(step.produces) for step in profiles),
        sensitivity=(_rel(sensitivity.produces),) if sensitivity is not None else (),
        reported=spec.reported, title=spec.title or exp.title, scale=spec.scale, out=_rel(exp.reports),
    )


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
