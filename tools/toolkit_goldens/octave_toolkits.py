"""Run the MATLAB toolkits (LaSOT, TNL2K, OTB ``tracker_benchmark_v1.0``) on the fixtures under GNU Octave.

Each run works in a temporary copy of the toolkit's MATLAB files; the checkout is only read.  Every change
made to that copy is an entry of :data:`EDITS` (file, text replaced, replacement, why) or a file listed in
the ``replaced files`` of each toolkit, and nothing else differs:

* the toolkit's own lists and paths (tracker list, sequence list, ``annos/``, ``tracking_results/``,
  Windows ``\\`` paths of the OTB toolkit) point at the fixture;
* the overlap thresholds ``0:0.05:1`` are written out as MATLAB's colon builds them (:data:`_MATLAB_COLON`):
  Octave's range differs from MATLAB's in the last bit at 0.60-0.95, which decides exact IoU ties;
* the script's settings select what the goldens need (``norm_dst`` both ways, ranking ``'AUC'`` or
  ``'threshold'`` so that every curve is drawn, OTB's OPE only);
* one line added in the curve function (``plot_draw_save.m`` / ``plotDrawSave.m``) right after the
  dataset curve is computed, printing it (``%.17g``) with the number of sequences kept after the toolkit's
  drop-all-zero rule: the legend prints three decimals, too few for a 1e-3 pp comparison;
* figure calls (``figure``, ``axes``, ``plot``, ``legend``, ``set``, ``print``, ``saveas``, ...) resolve to
  no-op functions put first on Octave's path: no graphics in a headless run.

Per-sequence curves are read back from the ``.mat`` files the toolkit saved (``tmp_mat/`` / ``perfMat/``)
by a small dump function of ours.  The OTB toolkit evaluates ``.mat`` results that its
``main_running.m`` saves; ours (``nlbench_otb_results.m``) saves them the same way (``results{1}`` with
``res``, ``type='rect'``, and ``len`` / ``startFrame`` / ``annoBegin`` of the OPE sub-sequence from the
toolkit's own ``splitSeqTRE``), from the fixture's rows.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.toolkit_goldens import fixtures as fx
from tools.toolkit_goldens import views

#: The added line: figure name, tracker, sequences of the plot, sequences kept after the drop rule, the curve.
_DUMP = "printf('NLBENCH\\t%s\\t%s\\t%d\\t%d\\t%s\\n', fig_name, name_tracker_all{i}, numel(idx_seq_set), size(aa, 1), sprintf('%.17g ', bb));"
#: MATLAB's colon builds a:d:b from both ends (the upper half as b - (n-k)*d; MathWorks' colonop.m, eval-spec
#: §1.5), Octave's range computes a + k*d throughout: 0:0.05:1 differs in the last bit at k = 12..19.  The
#: toolkits were written for (and their published numbers made with) MATLAB, so the evaluation's threshold
#: set is written out as MATLAB builds it.
_MATLAB_COLON = "[(0:10)*0.05, 1 - (9:-1:0)*0.05]"
_DUMP_OTB = "printf('NLBENCH\\t%s\\t%s\\t%d\\t%d\\t%s\\n', figName, nameTrkAll{idxTrk}, numel(idxSeqSet), size(aa, 1), sprintf('%.17g ', bb));"


@dataclass(frozen=True)
class Edit:
    file: str
    old: str
    new: str
    why: str
    occurrence: int = 1  # which occurrence of ``old`` (1-based) is replaced
    count: int = 1  # how many times ``old`` occurs in the original


EDITS: dict[str, tuple[Edit, ...]] = {
    "ltk": (
        Edit("utils/eval_tracker.m", "threshold_set_overlap = 0:0.05:1;", f"threshold_set_overlap = {_MATLAB_COLON};",
             "MATLAB's 0:0.05:1 (Octave's range differs in the last bit at 0.60-0.95)"),
        Edit("run_tracker_performance_evaluation.m", "evaluation_dataset_type = 'all';",
             "evaluation_dataset_type = 'test_set';", "sequence list: testing_set.txt (holding the fixture's names)"),
        Edit("run_tracker_performance_evaluation.m", "norm_dst = false;", "norm_dst = {norm_dst};",
             "run once without and once with the normalized error"),
        Edit("run_tracker_performance_evaluation.m", "ranking_type    = 'threshold';", "ranking_type    = 'AUC';",
             "under 'threshold' the script skips the success plots; under 'AUC' it draws both"),
        Edit("utils/plot_draw_save.m", "    bb  = mean(aa);\n", "    bb  = mean(aa);\n    " + _DUMP + "\n",
             "print the dataset curve", occurrence=1, count=2),
    ),
    "ttk": (
        Edit("utils/eval_tracker.m", "threshold_set_overlap = 0:0.05:1;", f"threshold_set_overlap = {_MATLAB_COLON};",
             "MATLAB's 0:0.05:1 (Octave's range differs in the last bit at 0.60-0.95)"),
        Edit("Evaluate_TNL2K_dataset.m", "norm_dst = true;", "norm_dst = {norm_dst};",
             "run once without and once with the normalized error"),
        Edit("utils/plot_draw_save.m", "    bb  = mean(aa);\n", "    bb  = mean(aa);\n    " + _DUMP + "\n",
             "print the dataset curve", occurrence=1, count=2),
    ),
    "otb": (
        Edit("genPerfMat.m", "thresholdSetOverlap = 0:0.05:1;", f"thresholdSetOverlap = {_MATLAB_COLON};",
             "MATLAB's 0:0.05:1 (Octave's range differs in the last bit at 0.60-0.95)"),
        Edit("perfPlot.m", "attPath = '.\\anno\\att\\';", "attPath = './anno/att/';", "Windows path"),
        Edit("perfPlot.m", "figPath = '.\\figs\\overall\\';", "figPath = './figs/overall/';", "Windows path"),
        Edit("perfPlot.m", "perfMatPath = '.\\perfMat\\overall\\';", "perfMatPath = './perfMat/overall/';", "Windows path"),
        Edit("perfPlot.m", "evalTypeSet = {'SRE', 'TRE', 'OPE'};", "evalTypeSet = {'OPE'};", "OPE only (the fixture has no SRE/TRE runs)"),
        Edit("perfPlot.m", "rankingType = 'AUC';", "rankingType = 'threshold';",
             "under 'AUC' the script skips the precision plots; under 'threshold' it draws both"),
        Edit("genPerfMat.m", "rpAll=['.\\results\\results_TRE_CVPR13\\'];", "rpAll=['./results/results_TRE_CVPR13/'];",
             "Windows path"),
        Edit("util/plotDrawSave.m", "    bb=mean(aa);\n", "    bb=mean(aa);\n    " + _DUMP_OTB + "\n",
             "print the dataset curve", occurrence=1, count=2),
    ),
}

#: Files of the copy replaced as a whole (the toolkit's configuration lists and data folders).
REPLACED = {
    "ltk": "utils/config_tracker.m (the tracker), sequence_evaluation_config/testing_set.txt (the sequences), "
    "annos/ (the fixture's annotations), tracking_results/<tracker>_tracking_result/ (its result files)",
    "ttk": "utils/config_tracker.m, sequence_evaluation_config/TNL2K_testing_set.txt, annos/{gt_rect,absent,att}/, "
    "tracking_results/<tracker>_tracking_result/",
    "otb": "util/configTrackers.m (the tracker), util/configSeqs.m (the original's struct entries of the fixture's "
    "sequences, unchanged), anno/ (the fixture's annotations; initOmit/ is the toolkit's own), "
    "results/results_TRE_CVPR13/<seq>_<tracker>.mat (saved by nlbench_otb_results.m as main_running.m saves them)",
}

#: The MATLAB files each run needs from the checkout.
_SOURCES = {
    "ltk": ("run_tracker_performance_evaluation.m", "utils", "sequence_evaluation_config"),
    "ttk": ("Evaluate_TNL2K_dataset.m", "utils", "sequence_evaluation_config"),
    "otb": ("perfPlot.m", "genPerfMat.m", "util", "rstEval", "initOmit"),
}
_SCRIPT = {"ltk": "run_tracker_performance_evaluation", "ttk": "Evaluate_TNL2K_dataset", "otb": "perfPlot"}
_HEADLESS = ("figure", "axes", "plot", "legend", "title", "xlabel", "ylabel", "grid", "hold", "set", "gcf", "gca",
             "print", "saveas", "close", "clc")  # fmt: skip

_NOOP = "function varargout = {name}(varargin)\n  for k = 1:nargout\n    varargout{{k}} = 1;\n  end\nend\n"

_DUMP_SEQUENCES = r"""function nlbench_dump(folder, variable)
% Print every per-sequence curve of the .mat files the toolkit saved in folder.
files = dir(fullfile(folder, '*.mat'));
for f = 1:numel(files)
  S = load(fullfile(folder, files(f).name));
  A = S.(variable);
  for k = 1:size(A, 1)
    for i = 1:size(A, 2)
      printf('NLBENCH_SEQ\t%s\t%d\t%d\t%s\n', files(f).name, k, i, sprintf('%.17g ', squeeze(A(k, i, :))));
    end
  end
end
end
"""

_OTB_RESULTS = r"""function nlbench_otb_results(tracker, rows_folder)
% Save each sequence's OPE result as main_running.m does: results{1} = res with the OPE sub-sequence's
% len, annoBegin and startFrame.  A file with a row for every GT row starts at the sequence's first frame:
% its rows before the OPE start (initOmit) are left out, as the OPE run never tracks them.
addpath('./util'); addpath('./rstEval');
seqs = configSeqs;
finalPath = './results/results_TRE_CVPR13/';
if ~exist(finalPath, 'dir'); mkdir(finalPath); end
for idxSeq = 1:length(seqs)
  s = seqs{idxSeq};
  s.len = s.endFrame - s.startFrame + 1;
  s.s_frames = cell(s.len, 1);
  rect_anno = dlmread(['./anno/' s.name '.txt']);
  [subSeqs, subAnno] = splitSeqTRE(s, 20, rect_anno);
  subS = subSeqs{1};
  rows = dlmread([rows_folder '/' s.name '.txt']);
  if size(rows, 1) >= size(rect_anno, 1)
    rows = rows(subS.startFrame - s.startFrame + 1:end, :);
  end
  res = struct('res', rows, 'type', 'rect');
  res.len = subS.len;
  res.annoBegin = subS.annoBegin;
  res.startFrame = subS.startFrame;
  results = {res};
  save([finalPath s.name '_' tracker '.mat'], 'results');
end
end
"""


def apply_edits(toolkit: str, copy: Path, settings: dict[str, str]) -> None:
    for edit in EDITS[toolkit]:
        path = copy / edit.file
        text = path.read_text(encoding="latin-1").replace("\r\n", "\n")
        found = text.count(edit.old)
        if found != edit.count:
            raise RuntimeError(f"{toolkit} {edit.file}: expected {edit.count} x {edit.old!r}, found {found}")
        head, *parts = text.split(edit.old)
        k = edit.occurrence
        new = edit.new
        for key, value in settings.items():
            new = new.replace("{" + key + "}", value)
        text = edit.old.join([head, *parts[: k - 1]]) + new + edit.old.join(parts[k - 1 :])
        path.write_text(text, encoding="latin-1")


def _copy_sources(toolkit: str, checkout: Path, copy: Path) -> None:
    for name in _SOURCES[toolkit]:
        source = checkout / name
        if source.is_dir():
            shutil.copytree(source, copy / name)
        else:
            shutil.copyfile(source, copy / name)
    headless = copy / "nlbench_headless"
    headless.mkdir()
    for name in _HEADLESS:
        (headless / f"{name}.m").write_text(_NOOP.format(name=name))
    (copy / "nlbench_dump.m").write_text(_DUMP_SEQUENCES)
    (copy / "nlbench_otb_results.m").write_text(_OTB_RESULTS)


def _otb_config(checkout: Path, names: list[str]) -> str:
    """configSeqs.m with the original's struct entries of ``names``, in that order."""
    text = (checkout / "util" / "configSeqs.m").read_text(encoding="latin-1")
    entries = {}
    for match in re.finditer(r"struct\('name','([^']+)'.*?\]\)", text):
        entries.setdefault(match.group(1), match.group(0))
    return "function seqs=configSeqs\nseqs={" + ",...\n    ".join(entries[n] for n in names) + "};\n"


def _prepare(toolkit: str, checkout: Path, fixture: Path, copy: Path, tracker: str, settings: dict[str, str]) -> str:
    """Lay out one run's copy; returns the Octave command."""
    _copy_sources(toolkit, checkout, copy)
    apply_edits(toolkit, copy, settings)
    annos = fx.ANNOS
    if toolkit == "ltk":
        shutil.copytree(annos / "ltk", copy / "annos")
        (copy / "utils" / "config_tracker.m").write_text(f"function trackers = config_tracker()\ntrackers = {{struct('name', '{tracker}', 'publish', '')}};\nend\n")
        (copy / "sequence_evaluation_config" / "testing_set.txt").write_text("\n".join(fx.LASOT))
        views.results(fixture, "lasot", tracker, copy / "tracking_results" / f"{tracker}_tracking_result")
        tail = "nlbench_dump('./tmp_mat/', 'ave_success_rate_plot');"
    elif toolkit == "ttk":
        shutil.copytree(annos / "ttk", copy / "annos")
        (copy / "utils" / "config_tracker.m").write_text(f"function trackers = config_tracker()\ntrackers = {{struct('name', '{tracker}', 'publish', '')}};\nend\n")
        (copy / "sequence_evaluation_config" / "TNL2K_testing_set.txt").write_text("\n".join(fx.TNL2K))
        views.results(fixture, "tnl2k", tracker, copy / "tracking_results" / f"{tracker}_tracking_result")
        tail = "nlbench_dump('./tmp_mat/', 'ave_success_rate_plot');"
    else:
        shutil.copytree(annos / "otb" / "anno", copy / "anno")
        (copy / "util" / "configSeqs.m").write_text(_otb_config(checkout, [t.toolkit for t in fx.OTB]))
        (copy / "util" / "configTrackers.m").write_text(f"function trackers=configTrackers\ntrackers={{struct('name','{tracker}','namePaper','{tracker}')}};\n")
        (copy / "perfMat" / "overall").mkdir(parents=True)
        views.results(fixture, "otb99", tracker, copy / "nlbench_rows", naming="toolkit")
        tail = "nlbench_dump('./perfMat/overall/', 'aveSuccessRatePlot');"
    before = f"nlbench_otb_results('{tracker}', './nlbench_rows'); " if toolkit == "otb" else ""
    return f"warning('off', 'all'); addpath('./nlbench_headless'); {before}{_SCRIPT[toolkit]}; {tail}"


def _parse(output: str) -> dict[str, Any]:
    curves: dict[str, dict[str, Any]] = {}
    per_sequence: dict[str, dict[int, list[float]]] = {}
    for line in output.splitlines():
        if line.startswith("NLBENCH\t"):
            _, fig_name, _tracker, n, kept, values = line.split("\t")
            curves[fig_name] = {"n": int(n), "kept": int(kept), "curve": [float(v) for v in values.split()]}
        elif line.startswith("NLBENCH_SEQ\t"):
            _, file, _k, i, values = line.split("\t")
            metric = "overlap" if "_overlap_" in file else "error"
            per_sequence.setdefault(metric, {})[int(i)] = [float(v) for v in values.split()]
    return {"curves": curves, "per_sequence": per_sequence}


def _error(output: str) -> str:
    lines = [ln for ln in output.splitlines() if ln.startswith("error:") and "preparing to exit" not in ln]
    return lines[0] if lines else "octave failed"


def run_one(toolkit: str, checkout: Path, fixture: Path, work: Path, tracker: str, norm_dst: bool, octave: str) -> dict[str, Any]:
    copy = work / f"{toolkit}-{tracker}-{'norm' if norm_dst else 'plain'}"
    if copy.exists():
        shutil.rmtree(copy)
    copy.mkdir(parents=True)
    command = _prepare(toolkit, checkout, fixture, copy, tracker, {"norm_dst": "true" if norm_dst else "false"})
    done = subprocess.run([octave, "--no-gui", "--norc", "--quiet", "--eval", command], cwd=copy,
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    output = done.stdout + done.stderr
    parsed = _parse(output)
    if done.returncode != 0 and not parsed["curves"]:
        return {"raises": _error(output)}
    if done.returncode != 0:
        raise RuntimeError(f"{toolkit}/{tracker}: Octave failed after printing curves:\n{output[-2000:]}")
    return parsed


def octave_version(octave: str) -> str:
    done = subprocess.run([octave, "--version"], capture_output=True, text=True, check=True)
    return done.stdout.splitlines()[0].strip()
