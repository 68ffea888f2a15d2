"""``nlbench eval`` and ``nlbench compare``: score raw results exactly as the papers did."""

from __future__ import annotations

import math

import click

from nlbench.cli import register

_NON_FINITE_HELP = (
    "By default inf/nan in a result file is an error naming the file and line. With this flag: "
    "read inf/nan in result files as numbers (any spelling: inf, -inf, Infinity, nan, NaN) and apply the protocol's "
    "rules to them, as the reference does: JointNLT/pytracking read files with numpy.loadtxt, which accepts them, "
    "then abort the whole evaluation on a NaN anywhere in a result or a -inf width/height ('Error: Invalid "
    "results'); any other infinity is scored as a number: its frame fails (IoU 0, infinite centre errors) unless it "
    "is frame 1 (replaced by the ground truth), has zero width/height (carried forward from the previous box) or is "
    "an invalid ground-truth frame; an overlap that comes out NaN (x=-inf with w=+inf) on a valid frame aborts "
    "('Nans in calculated overlap'). The MATLAB protocols carry NaN rows forward; got10k scores them as failures."
)

_PROTOCOLS = ("jointnlt", "pytracking", "got10k", "lasot-matlab", "tnl2k-matlab", "otb-matlab")


def _common(func, several_protocols: bool = False):
    protocol_help = "Whose rules: JointNLT's analysis (paper numbers), current pytracking, got10k, the MATLAB toolkits."
    if several_protocols:
        protocol_option = click.option(
            "--protocol",
            default="jointnlt",
            show_default=True,
            metavar="|".join(("all",) + _PROTOCOLS),
            help=protocol_help + " 'all' or a comma list (jointnlt,tnl2k-matlab) prints trackers x protocols.",
        )
    else:
        protocol_option = click.option(
            "--protocol", type=click.Choice(_PROTOCOLS), default="jointnlt", show_default=True, help=protocol_help
        )
    options = [
        click.option("--dataset", required=True, help="Registered tracking dataset (see `nlbench datasets`)."),
        click.option("--root", default=None, help="Dataset root (else $NLBENCH_<NAME>_ROOT or the config file)."),
        click.option(
            "--results",
            "results",
            multiple=True,
            required=True,
            metavar="NAME=DIR",
            help="A tracker's result folder (<seq>.txt files, any layout/separator). Repeat to compare trackers.",
        ),
        click.option("--sequences", default=None, metavar="S1,S2,...", help="Evaluate only these sequences."),
        protocol_option,
        click.option("--split", default=None, help="Dataset split (default: the dataset's test split)."),
        click.option("--skip-missing", is_flag=True, help="Drop sequences some tracker has no result for (from every tracker)."),
        click.option("--no-cache", is_flag=True, help="Parse every result file again (no on-disk cache of parsed files)."),
        click.option(
            "--strict-reference",
            is_flag=True,
            help="Read result files exactly as pytracking does (tab, then comma); other separators are errors.",
        ),
        click.option("--allow-non-finite", is_flag=True, help=_NON_FINITE_HELP),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _keep_freed_memory() -> None:
    """Let glibc keep freed memory for reuse instead of returning it to the kernel.

    Evaluation allocates and frees arrays of megabytes (parsed files, per-frame errors); by default
    glibc unmaps them and every reuse page-faults again, which cost a third of a cold ``eval`` of a
    LaSOT-sized set in kernel time.  A no-op where the C library is not glibc.
    """
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_mmap_threshold, 256 << 20)  # blocks below 256 MB come from the reusable heap
    mallopt(m_trim_threshold, 1 << 30)  # and up to 1 GB of freed heap is kept


def _run_evaluation(
    dataset, root, results, sequences, protocol, split, skip_missing, no_cache, strict_reference, bootstrap,
    allow_non_finite=False,
):  # fmt: skip
    _keep_freed_memory()
    from nlbench.eval import evaluate
    from nlbench.eval.sources import load_sequences, parse_results_option

    sources = parse_results_option(results)
    names = [s.strip() for s in sequences.split(",") if s.strip()] if sequences else None
    seqs = load_sequences(dataset, root, split, names)
    result = evaluate(
        seqs,
        sources,
        dataset=dataset,
        protocol=protocol,
        skip_missing=skip_missing,
        strict=strict_reference,
        bootstrap=bootstrap,
        cache=not no_cache,
        allow_non_finite=allow_non_finite,
    )
    return result, sources


def _fmt(value: float) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.2f}"


def format_table(result) -> str:
    """The terminal table: one row per tracker."""
    header = ("tracker", "AUC", "OP50", "OP75", "Prec", "NormPrec", "#seq")
    rows = []
    for name, t in result.trackers.items():
        auc = _fmt(t.auc)
        if t.auc_ci95 is not None:
            auc += f" [{_fmt(t.auc_ci95[0])}, {_fmt(t.auc_ci95[1])}]"
        rows.append((name, auc, _fmt(t.op50), _fmt(t.op75), _fmt(t.precision), _fmt(t.norm_precision), str(len(t.sequence_names))))
    from nlbench.core.textable import text_table

    return text_table(rows, header, right=range(1, len(header)), rule=True)


def _cell(evaluation) -> tuple[str, str, str]:
    return (_fmt(evaluation.auc), _fmt(evaluation.precision), _fmt(evaluation.norm_precision))


def format_matrix(matrix) -> str:
    """Trackers x protocols: AUC, P@20 and NP@0.20 under each protocol; refusals as numbered notes."""
    from nlbench.eval.matrix import Refusal

    protocols = [p.name for p in matrix.protocols]
    sub = ("AUC", "P@20", "NP@0.20")
    notes: list[str] = []
    rows = []
    for tracker in matrix.trackers:
        cells: list[str] = []
        for protocol in protocols:
            cell = matrix.cells[protocol][tracker]
            if isinstance(cell, Refusal):
                notes.append(f"[{len(notes) + 1}] {tracker} under {protocol}: {cell.reason}")
                cells += [f"refused [{len(notes)}]", "", ""]
            else:
                cells += list(_cell(cell))
        rows.append((tracker, *cells))
    from nlbench.core.textable import text_table

    header = ("tracker", *(s for _ in protocols for s in sub))
    # each protocol's name spans its three columns
    groups = [("", 1), *((p, len(sub)) for p in protocols)]
    table = text_table(rows, header, right=range(1, len(header)), rule=True, groups=groups)
    return "\n".join([table, *notes])


@click.command("eval")
@(lambda func: _common(func, several_protocols=True))
@click.option("--json", "json_out", default=None, metavar="OUT.json", help="Write scores, curves, per-sequence and per-attribute results.")
@click.option("--bootstrap/--no-bootstrap", default=True, show_default=True, help="95% bootstrap interval of AUC over sequences (seeded).")
@click.option("--store", "store", default="results/evaluated", show_default=True, metavar="DIR", help="Keep each tracker's entry for the leaderboard here.")
@click.option("--no-store", is_flag=True, help="Do not keep the evaluation for the leaderboard.")
def eval_cmd(
    dataset, root, results, sequences, protocol, split, skip_missing, no_cache, strict_reference, allow_non_finite,
    json_out, bootstrap, store, no_store,
):  # fmt: skip
    """Score tracking results: AUC (success), OP50, OP75, precision@20px, normalized precision@0.20.

    \b
    Numbers follow the chosen protocol number for number (default: JointNLT's
    analysis code, which produced the paper's tables). Scores are percentages,
    curves in --json fractions. Sequences are weighted equally.
    With --protocol all (or a comma list) one table shows every tracker under
    every protocol; a protocol that refuses a result set says why in its cell.
    Examples:
      nlbench eval --dataset lasot --root /data/LaSOT --results JointNLT=results/raw/lasot/jointnlt-nl
      nlbench eval --dataset tnl2k --root /data/TNL2K_test --results A=runs/a --results B=runs/b --json out.json
      nlbench eval --dataset otb99 --root /data/OTB_sentences --results X=dir --protocol otb-matlab
      nlbench eval --dataset tnl2k --root /data/TNL2K_test --results A=runs/a --protocol all --json all.json
      nlbench eval --dataset synth --results static=results/raw/synth/static-bb --sequences synth_test_0001,synth_test_0002
    """
    from nlbench.eval.matrix import parse_protocols
    from nlbench.core.io import atomic_write_json

    protocols = parse_protocols(protocol)
    if len(protocols) > 1:
        _eval_matrix(dataset, root, results, sequences, protocols, split, skip_missing, no_cache, strict_reference,
                     allow_non_finite, json_out, bootstrap, store, no_store)  # fmt: skip
        return
    result, sources = _run_evaluation(
        dataset, root, results, sequences, protocols[0].name, split, skip_missing, no_cache, strict_reference, bootstrap,
        allow_non_finite,
    )  # fmt: skip
    click.echo(f"{dataset} — protocol {result.protocol.name}")
    click.echo(format_table(result))
    _echo_skipped(result)
    if json_out:
        atomic_write_json(json_out, result.to_json())
        click.echo(f"wrote {json_out}")
    if not no_store:
        from nlbench.store.evaluated import store_evaluation

        written = store_evaluation(result, dict(sources), store)
        click.echo(f"kept for the leaderboard: {written[0].parent}")


def _echo_skipped(result) -> None:
    if result.skipped:
        click.echo(
            f"evaluated over {len(result.sequence_names)} / {result.n_requested} sequences "
            f"(skipped for missing results: {', '.join(list(result.skipped)[:10])}"
            f"{' ...' if len(result.skipped) > 10 else ''})"
        )


def _eval_matrix(dataset, root, results, sequences, protocols, split, skip_missing, no_cache, strict_reference,
                 allow_non_finite, json_out, bootstrap, store, no_store):  # fmt: skip
    from nlbench.eval.matrix import evaluate_protocols
    from nlbench.eval.sources import load_sequences, parse_results_option
    from nlbench.core.io import atomic_write_json

    sources = parse_results_option(results)
    names = [s.strip() for s in sequences.split(",") if s.strip()] if sequences else None
    seqs = load_sequences(dataset, root, split, names)
    matrix = evaluate_protocols(
        seqs, sources, dataset, protocols, skip_missing=skip_missing, strict=strict_reference, bootstrap=bootstrap,
        cache=not no_cache, allow_non_finite=allow_non_finite,
    )  # fmt: skip
    click.echo(f"{dataset} — {len(protocols)} protocols")
    click.echo(format_matrix(matrix))
    first = next(iter(matrix.evaluations.values()), None)
    if first is not None:
        _echo_skipped(first)
    if json_out:
        atomic_write_json(json_out, matrix.to_json())
        click.echo(f"wrote {json_out}")
    if not no_store:
        from nlbench.store.evaluated import store_evaluation

        for evaluation in matrix.evaluations.values():
            written = store_evaluation(evaluation, dict(sources), store)
        click.echo(f"kept for the leaderboard: {written[0].parent.parent}/<protocol>")


@click.command("compare")
@_common
@click.option("--alpha", default=0.05, show_default=True, help="Significance level.")
@click.option("--json", "json_out", default=None, metavar="OUT.json", help="Write the test results.")
def compare_cmd(
    dataset, root, results, sequences, protocol, split, skip_missing, no_cache, strict_reference, allow_non_finite,
    alpha, json_out,
):  # fmt: skip
    """Is tracker A's AUC really different from B's? Paired bootstrap + Wilcoxon signed-rank over sequences.

    \b
    Examples:
      nlbench compare --dataset lasot --root /data/LaSOT --results A=runs/a --results B=runs/b
      nlbench compare --dataset tnl2k --results A=runs/a --results B=runs/b --protocol pytracking
    """
    from nlbench.core.errors import EvaluationError
    from nlbench.eval.statistics import paired_comparison
    from nlbench.core.io import atomic_write_json

    if len(results) != 2:
        raise EvaluationError("compare needs exactly two --results NAME=DIR")
    result, _ = _run_evaluation(
        dataset, root, results, sequences, protocol, split, skip_missing, no_cache, strict_reference, False,
        allow_non_finite,
    )  # fmt: skip
    (a_name, a), (b_name, b) = result.trackers.items()
    comparison = paired_comparison(a_name, a.sequence_auc, b_name, b.sequence_auc, alpha=alpha)
    click.echo(f"{dataset} — protocol {result.protocol.name}")
    click.echo(format_table(result))
    if result.skipped:
        click.echo(f"evaluated over {len(result.sequence_names)} / {result.n_requested} sequences")
    click.echo(comparison.summary())
    if json_out:
        atomic_write_json(json_out, {"dataset": dataset, "protocol": result.protocol.name, **comparison.to_json()})


register(eval_cmd, compare_cmd)
