"""Read and check an experiment file (TOML, standard library) into plain records.

Everything a user can get wrong is found here, before anything runs, and reported as one
:class:`~nlbench.core.errors.ExperimentError` naming the file, the line (where it can be found)
and the key path. Paths are relative to the file; ``${NAME}`` is replaced by the file's
``[vars]`` entry NAME, else by the environment variable NAME.
"""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from nlbench.core.errors import ExperimentError

MODES = ("nl", "nl+bb", "bb")

#: allowed keys of each table; "*" marks a table of named sub-tables.
_SECTIONS = ("experiment", "vars", "datasets", "entries", "grounding", "profiles", "report")
_EXPERIMENT_KEYS = ("name", "title", "description", "results", "reports")
_DATASET_KEYS = ("dataset", "root", "env", "split", "sequences")
_ENTRY_KEYS = ("tracker", "name", "modes", "checkpoint", "checkpoint_by_dataset", "options", "device",
               "workers", "batch_size", "datasets", "sentences")
_GROUNDING_KEYS = ("grounder", "dataset", "root", "env", "split", "split_by", "unit", "rule", "checkpoint",
                   "device", "limit", "name", "batch_size")
_PROFILE_KEYS = ("tracker", "name", "device", "dtype", "iterations", "warmup")
_REPORT_KEYS = ("title", "protocols", "reported", "scale", "qualitative", "qualitative_pick", "sensitivity")
_SENSITIVITY_KEYS = ("entry", "dataset", "mode", "variants")

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class DatasetSpec:
    key: str  # the table name in the file
    dataset: str  # the registered dataset
    root: Path | None
    root_note: str | None  # why no root could be formed (an unset variable), shown as a missing input
    split: str | None
    sequences: tuple[str, ...] | None


@dataclass(frozen=True)
class EntrySpec:
    key: str
    tracker: str
    name: str
    modes: tuple[str, ...]
    checkpoint: Any  # None, Path, or {role: Path}
    checkpoint_by_dataset: dict[str, Any]
    options: dict[str, Any]
    device: str
    workers: int
    batch_size: int | None
    datasets: tuple[str, ...]  # dataset keys it runs on
    sentences: Path | None

    def checkpoint_for(self, dataset_key: str) -> Any:
        return self.checkpoint_by_dataset.get(dataset_key, self.checkpoint)


@dataclass(frozen=True)
class GroundingSpec:
    name: str
    grounder: str
    dataset: str
    root: Path | None
    root_note: str | None
    split: str | None
    split_by: str | None
    unit: str | None
    rule: str | None
    checkpoint: Path | None
    device: str
    limit: int | None
    batch_size: int | None = None


@dataclass(frozen=True)
class ProfileStepSpec:
    name: str
    tracker: str
    device: str
    dtype: str
    iterations: int
    warmup: int


@dataclass(frozen=True)
class SensitivitySpec:
    entry: str
    dataset: str
    mode: str
    variants: tuple[str, ...]


@dataclass(frozen=True)
class ReportSpec:
    title: str
    protocols: tuple[str, ...]
    reported: bool
    scale: str
    qualitative: int
    qualitative_pick: str | None
    sensitivity: SensitivitySpec | None


@dataclass(frozen=True)
class Experiment:
    path: Path
    name: str
    title: str
    results: Path
    reports: Path
    datasets: dict[str, DatasetSpec]
    entries: dict[str, EntrySpec]
    grounding: tuple[GroundingSpec, ...]
    profiles: tuple[ProfileStepSpec, ...]
    report: ReportSpec | None
    vars: dict[str, str] = field(default_factory=dict)


class _Reader:
    """Checks values and turns them into errors that point at the file, line and key."""

    def __init__(self, path: Path, text: str, variables: dict[str, str]):
        self.file, self.lines, self.variables = path, text.splitlines(), variables

    # -- where a key is -------------------------------------------------------------------
    def line_of(self, keys: tuple[Any, ...]) -> int | None:
        """Best-effort 1-based line of a key path (tables by header, then the key inside)."""
        table, start = [], 0
        for depth in range(len(keys), 0, -1):  # the longest table header that names a prefix of the path
            head = [str(k) for k in keys[:depth] if not isinstance(k, int)]
            index = next((k for k in keys[:depth] if isinstance(k, int)), None)
            found = self._header(head, index)
            if found is not None:
                table, start = keys[:depth], found
                break
        rest = [k for k in keys[len(table):] if not isinstance(k, int)]
        if not rest:
            return start + 1 if table else None
        key = re.escape(str(rest[0]))
        pattern = re.compile(rf'^\s*(?:"{key}"|\'{key}\'|{key})\s*[=.]')
        for number in range(start + 1 if table else 0, len(self.lines)):
            line = self.lines[number]
            if table and number > start and line.lstrip().startswith("["):
                break
            if pattern.match(line):
                return number + 1
        return start + 1 if table else None

    def _header(self, head: list[str], index: int | None) -> int | None:
        if not head:
            return None
        parts = r"\s*\.\s*".join(rf'(?:"{re.escape(h)}"|\'{re.escape(h)}\'|{re.escape(h)})' for h in head)
        if index is not None:
            pattern, seen = re.compile(rf"^\s*\[\[\s*{parts}\s*\]\]"), -1
            for number, line in enumerate(self.lines):
                if pattern.match(line):
                    seen += 1
                    if seen == index:
                        return number
            return None
        pattern = re.compile(rf"^\s*\[\s*{parts}\s*\]")
        return next((n for n, line in enumerate(self.lines) if pattern.match(line)), None)

    def error(self, keys: tuple[Any, ...], message: str) -> ExperimentError:
        key_path = ".".join(f"[{k}]" if isinstance(k, int) else str(k) for k in keys).replace(".[", "[")
        line = self.line_of(keys)
        where = f"{self.file}:{line}" if line else str(self.file)
        return ExperimentError(f"{where}: {key_path}: {message}" if key_path else f"{where}: {message}")

    # -- values ---------------------------------------------------------------------------
    def table(self, value: Any, keys: tuple[Any, ...], allowed: tuple[str, ...] | None) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(keys, f"expected a table, got {type(value).__name__}")
        if allowed is not None:
            for key in value:
                if key not in allowed:
                    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                    hint = f"; did you mean '{close[0]}'?" if close else f"; allowed: {', '.join(allowed)}"
                    raise self.error((*keys, key), f"unknown key '{key}'{hint}")
        return value

    def string(self, table: dict, key: str, keys: tuple, default: Any = None, required: bool = False) -> Any:
        if key not in table:
            if required:
                raise self.error(keys, f"missing required key '{key}'")
            return default
        value = table[key]
        if not isinstance(value, str) or not value.strip():
            raise self.error((*keys, key), "expected a non-empty string")
        return value

    def integer(self, table: dict, key: str, keys: tuple, default: Any, minimum: int = 0) -> Any:
        value = table.get(key, default)
        if key in table and (isinstance(value, bool) or not isinstance(value, int) or value < minimum):
            raise self.error((*keys, key), f"expected an integer >= {minimum}, got {value!r}")
        return value

    def strings(self, table: dict, key: str, keys: tuple) -> tuple[str, ...] | None:
        if key not in table:
            return None
        value = table[key]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.error((*keys, key), "expected a list of strings")
        return tuple(value)

    def expand(self, text: str, keys: tuple) -> tuple[str | None, str | None]:
        """``${NAME}`` from [vars] or the environment; (None, why) when a variable is unset."""
        missing = []

        def substitute(match: re.Match) -> str:
            name = match.group(1)
            if name in self.variables:
                return self.variables[name]
            if name in os.environ:
                return os.environ[name]
            missing.append(name)
            return ""

        expanded = _VAR.sub(substitute, text)
        if missing:
            where = ".".join(str(k) for k in keys)
            return None, f"{where}: ${{{missing[0]}}} is not set (in [vars] or the environment)"
        return expanded, None

    def path(self, text: str, keys: tuple) -> tuple[Path | None, str | None]:
        expanded, why = self.expand(text, keys)
        if expanded is None:
            return None, why
        path = Path(expanded).expanduser()
        return (path if path.is_absolute() else (self.file.parent / path)), None

    def checkpoint(self, value: Any, keys: tuple) -> Any:
        """A path, or {grounder = PATH, tracker = PATH} for a composed pipeline. Unset variables are errors."""
        if isinstance(value, dict):
            self.table(value, keys, ("grounder", "tracker"))
            return {role: self.checkpoint(path, (*keys, role)) for role, path in value.items()}
        if not isinstance(value, str) or not value:
            raise self.error(keys, "expected a path, or a table {grounder = PATH, tracker = PATH}")
        path, why = self.path(value, keys)
        if path is None:
            raise self.error(keys, why or "bad path")
        return path


def load_experiment(path: str | os.PathLike) -> Experiment:
    """Parse and check an experiment file; every problem is one ExperimentError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ExperimentError(f"{path}: experiment file not found") from exc
    except UnicodeDecodeError as exc:
        line = text_line_of_offset(path.read_bytes(), exc.start)
        raise ExperimentError(f"{path}:{line}: not valid UTF-8") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"at line (\d+)", str(exc))
        raise ExperimentError(f"{path}{':' + line.group(1) if line else ''}: malformed TOML: {exc}") from exc
    variables = data.get("vars", {})
    reader = _Reader(path.resolve(), text, {})
    reader.table(data, (), _SECTIONS)
    reader.table(variables, ("vars",), None)
    for key, value in variables.items():
        if not isinstance(value, str):
            raise reader.error(("vars", key), "expected a string")
    for key, value in variables.items():  # in order: a variable may use the ones above it
        expanded, why = reader.expand(value, ("vars", key))
        if expanded is None:
            raise reader.error(("vars", key), why)
        reader.variables[key] = expanded
    return _build(reader, data)


def text_line_of_offset(raw: bytes, offset: int) -> int:
    return raw[:offset].count(b"\n") + 1


def _build(r: _Reader, data: dict[str, Any]) -> Experiment:
    from nlbench.core.registry import get_dataset

    head = r.table(data.get("experiment", {}), ("experiment",), _EXPERIMENT_KEYS)
    name = r.string(head, "name", ("experiment",), default=r.file.stem)
    results, why = r.path(r.string(head, "results", ("experiment",), default=f"results/experiments/{name}"), ("experiment", "results"))
    reports, why2 = r.path(r.string(head, "reports", ("experiment",), default=f"reports/{name}"), ("experiment", "reports"))
    if results is None or reports is None:
        raise r.error(("experiment",), why or why2 or "bad path")

    datasets: dict[str, DatasetSpec] = {}
    for key, table in r.table(data.get("datasets", {}), ("datasets",), None).items():
        keys = ("datasets", key)
        table = r.table(table, keys, _DATASET_KEYS)
        registered = r.string(table, "dataset", keys, default=key)
        _check_plugin(r, (*keys, "dataset") if "dataset" in table else keys, "dataset", registered)
        root, note = _root(r, table, keys)
        split = r.string(table, "split", keys)
        if split is not None:
            splits = get_dataset(registered).splits
            if splits and split not in splits:
                raise r.error((*keys, "split"), f"dataset '{registered}' has no split '{split}' (splits: {', '.join(splits)})")
        datasets[key] = DatasetSpec(key, registered, root, note, split, r.strings(table, "sequences", keys))

    entries: dict[str, EntrySpec] = {}
    display_names: dict[str, str] = {}
    for key, table in r.table(data.get("entries", {}), ("entries",), None).items():
        entry = _entry(r, key, table, datasets)
        if entry.name in display_names:
            raise r.error(("entries", key, "name"), f"display name '{entry.name}' is already used by entries.{display_names[entry.name]}")
        display_names[entry.name] = key
        entries[key] = entry

    grounding = tuple(_grounding(r, i, t, datasets) for i, t in enumerate(_array(r, data, "grounding")))
    profiles = tuple(_profile(r, i, t) for i, t in enumerate(_array(r, data, "profiles")))
    for kind, items in (("grounding", grounding), ("profiles", profiles)):
        seen = set()
        for i, item in enumerate(items):
            if item.name in seen:
                raise r.error((kind, i, "name"), f"name '{item.name}' is used twice in [[{kind}]]")
            seen.add(item.name)
    report = _report(r, data["report"], entries, datasets) if "report" in data else None
    return Experiment(r.file, name, r.string(head, "title", ("experiment",), default=name), results, reports,
                      datasets, entries, grounding, profiles, report, r.variables)


def _array(r: _Reader, data: dict, key: str) -> list[dict]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise r.error((key,), f"expected an array of tables ([[{key}]])")
    return value


def _check_plugin(r: _Reader, keys: tuple, kind: str, name: str) -> Any:
    from nlbench.core.errors import PluginError
    from nlbench.core.registry import get_dataset, get_tracker

    try:
        return get_dataset(name) if kind == "dataset" else get_tracker(name)
    except PluginError as exc:
        raise r.error(keys, str(exc)) from exc


def _root(r: _Reader, table: dict, keys: tuple) -> tuple[Path | None, str | None]:
    if "root" in table and "env" in table:
        raise r.error(keys, "give either 'root' or 'env', not both")
    if "env" in table:
        variable = r.string(table, "env", keys)
        value = os.environ.get(variable)
        return (Path(value).expanduser(), None) if value else (None, f"{'.'.join(keys)}: ${variable} is not set")
    if "root" in table:
        return r.path(r.string(table, "root", keys), (*keys, "root"))
    return None, None  # the dataset's own resolution: NLBENCH_<NAME>_ROOT, the config file, or generated (synth)


def _entry(r: _Reader, key: str, table: Any, datasets: dict[str, DatasetSpec]) -> EntrySpec:
    keys = ("entries", key)
    table = r.table(table, keys, _ENTRY_KEYS)
    tracker = r.string(table, "tracker", keys, required=True)
    plugin = _check_plugin(r, (*keys, "tracker"), "tracker", tracker)
    modes = r.strings(table, "modes", keys) or ((plugin.default_mode or plugin.modes[0]),)
    for mode in modes:
        if mode not in MODES:
            raise r.error((*keys, "modes"), f"unknown mode '{mode}'; modes are {', '.join(MODES)}")
        if mode not in plugin.modes:
            raise r.error((*keys, "modes"), f"tracker '{tracker}' does not support mode '{mode}' (it supports {', '.join(plugin.modes)})")
    if len(set(modes)) != len(modes):
        raise r.error((*keys, "modes"), "a mode is listed twice")
    checkpoint = r.checkpoint(table["checkpoint"], (*keys, "checkpoint")) if "checkpoint" in table else None
    by_dataset = {}
    for dataset_key, value in r.table(table.get("checkpoint_by_dataset", {}), (*keys, "checkpoint_by_dataset"), tuple(datasets)).items():
        by_dataset[dataset_key] = r.checkpoint(value, (*keys, "checkpoint_by_dataset", dataset_key))
    options = r.table(table.get("options", {}), (*keys, "options"), None)
    run_on = r.strings(table, "datasets", keys)
    if run_on is None:
        run_on = tuple(k for k, d in datasets.items() if _kind(d.dataset) == "tracking")
    for dataset_key in run_on:
        if dataset_key not in datasets:
            close = difflib.get_close_matches(dataset_key, list(datasets), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise r.error((*keys, "datasets"), f"'{dataset_key}' is not a table under [datasets]{hint}")
        if _kind(datasets[dataset_key].dataset) != "tracking":
            raise r.error((*keys, "datasets"), f"'{dataset_key}' is a grounding dataset; use [[grounding]] for it")
    sentences = None
    if "sentences" in table:
        sentences, why = r.path(r.string(table, "sentences", keys), (*keys, "sentences"))
        if sentences is None:
            raise r.error((*keys, "sentences"), why)
    batch_size = r.integer(table, "batch_size", keys, None, minimum=1)
    return EntrySpec(
        key=key, tracker=tracker, name=r.string(table, "name", keys, default=key), modes=modes,
        checkpoint=checkpoint, checkpoint_by_dataset=by_dataset, options=dict(options),
        device=r.string(table, "device", keys, default="cpu"), workers=r.integer(table, "workers", keys, 1, minimum=1),
        batch_size=batch_size, datasets=run_on, sentences=sentences,
    )


def _kind(dataset: str) -> str:
    from nlbench.core.registry import get_dataset

    return get_dataset(dataset).kind


def _grounding(r: _Reader, index: int, table: Any, datasets: dict[str, DatasetSpec]) -> GroundingSpec:
    keys = ("grounding", index)
    table = r.table(table, keys, _GROUNDING_KEYS)
    grounder = r.string(table, "grounder", keys, required=True)
    plugin = _check_plugin(r, (*keys, "grounder"), "tracker", grounder)
    if not plugin.grounder:
        raise r.error((*keys, "grounder"), f"'{grounder}' cannot ground a sentence (not a grounder)")
    dataset_key = r.string(table, "dataset", keys, required=True)
    spec = datasets.get(dataset_key)
    registered = spec.dataset if spec else dataset_key
    if spec is None:
        _check_plugin(r, (*keys, "dataset"), "dataset", registered)
    root, note = _root(r, table, keys) if ("root" in table or "env" in table) else ((spec.root, spec.root_note) if spec else (None, None))
    checkpoint = r.checkpoint(table["checkpoint"], (*keys, "checkpoint")) if "checkpoint" in table else None
    return GroundingSpec(
        name=r.string(table, "name", keys, default=f"{grounder}-{dataset_key}"), grounder=grounder, dataset=registered,
        root=root, root_note=note, split=r.string(table, "split", keys, default=spec.split if spec else None),
        split_by=r.string(table, "split_by", keys), unit=r.string(table, "unit", keys), rule=r.string(table, "rule", keys),
        checkpoint=checkpoint, device=r.string(table, "device", keys, default="cpu"),
        limit=r.integer(table, "limit", keys, None, minimum=1),
        batch_size=r.integer(table, "batch_size", keys, None, minimum=1),
    )


def _profile(r: _Reader, index: int, table: Any) -> ProfileStepSpec:
    keys = ("profiles", index)
    table = r.table(table, keys, _PROFILE_KEYS)
    tracker = r.string(table, "tracker", keys, required=True)
    plugin = _check_plugin(r, (*keys, "tracker"), "tracker", tracker)
    if plugin.profile is None:
        raise r.error((*keys, "tracker"), f"tracker '{tracker}' cannot be profiled (its plugin has no profile spec)")
    dtype = r.string(table, "dtype", keys, default="fp32")
    if dtype not in ("fp32", "fp16", "bf16"):
        raise r.error((*keys, "dtype"), f"dtype must be fp32, fp16 or bf16, got '{dtype}'")
    return ProfileStepSpec(
        name=r.string(table, "name", keys, default=tracker), tracker=tracker, device=r.string(table, "device", keys, default="cpu"),
        dtype=dtype, iterations=r.integer(table, "iterations", keys, 20), warmup=r.integer(table, "warmup", keys, 5),
    )


def _report(r: _Reader, table: Any, entries: dict[str, EntrySpec], datasets: dict[str, DatasetSpec]) -> ReportSpec:
    from nlbench.eval.protocols import DEFAULT_PROTOCOL, PROTOCOLS

    keys = ("report",)
    table = r.table(table, keys, _REPORT_KEYS)
    protocols = r.strings(table, "protocols", keys) or (DEFAULT_PROTOCOL,)
    for protocol in protocols:
        if protocol not in PROTOCOLS:
            close = difflib.get_close_matches(protocol, list(PROTOCOLS), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; protocols: {', '.join(PROTOCOLS)}"
            raise r.error((*keys, "protocols"), f"unknown protocol '{protocol}'{hint}")
    reported = table.get("reported", False)
    if not isinstance(reported, bool):
        raise r.error((*keys, "reported"), "expected true or false")
    scale = r.string(table, "scale", keys, default="fraction")
    if scale not in ("fraction", "percent"):
        raise r.error((*keys, "scale"), "expected 'fraction' or 'percent'")
    sensitivity = None
    if "sensitivity" in table:
        skeys = (*keys, "sensitivity")
        st = r.table(table["sensitivity"], skeys, _SENSITIVITY_KEYS)
        entry = r.string(st, "entry", skeys, required=True)
        if entry not in entries:
            raise r.error((*skeys, "entry"), f"no entry '{entry}' under [entries]")
        mode = r.string(st, "mode", skeys, default=entries[entry].modes[0])
        if mode not in entries[entry].modes:
            raise r.error((*skeys, "mode"), f"entry '{entry}' does not run mode '{mode}'")
        dataset = r.string(st, "dataset", skeys, default=entries[entry].datasets[0] if entries[entry].datasets else "")
        if dataset not in entries[entry].datasets:
            raise r.error((*skeys, "dataset"), f"entry '{entry}' does not run on dataset '{dataset}'")
        variants = r.strings(st, "variants", skeys) or ()
        if not variants:
            raise r.error((*skeys, "variants"), "list at least one sentence variant")
        sensitivity = SensitivitySpec(entry, dataset, mode, variants)
    pick = r.string(table, "qualitative_pick", keys)
    if pick is not None and pick not in ("worst", "disagree", "lost"):
        raise r.error((*keys, "qualitative_pick"), f"expected worst, disagree or lost, got '{pick}'")
    return ReportSpec(
        title=r.string(table, "title", keys, default=""), protocols=protocols, reported=reported, scale=scale,
        qualitative=r.integer(table, "qualitative", keys, 0), qualitative_pick=pick, sensitivity=sensitivity,
    )
