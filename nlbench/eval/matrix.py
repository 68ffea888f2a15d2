"""Several protocols over one set of results: the trackers x protocols matrix.

Each cell is exactly what a plain :func:`~nlbench.eval.evaluate` under that
protocol gives (the same function is called; nothing is recomputed here).  A
protocol may refuse a tracker's results (the MATLAB rules reject a result
shorter than the ground truth, the reference rejects NaN rows): that cell holds
the refusal and its reason, and the other cells are still computed.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence as SequenceOf
from dataclasses import dataclass
from typing import Any, Union

from nlbench.core.errors import EvaluationError
from nlbench.eval.evaluate import EvaluationResult, ResultSource, TrackerEvaluation, evaluate
from nlbench.eval.protocols import PROTOCOLS, Protocol, get_protocol
from nlbench.eval.provenance import protocol_rules, run_provenance
from nlbench.core.types import Sequence

__all__ = ["ProtocolMatrix", "Refusal", "evaluate_cells", "evaluate_protocols", "parse_protocols"]


@dataclass(frozen=True)
class Refusal:
    """A protocol's refusal to score one tracker's results, with the reason it gave."""

    reason: str

    def to_json(self) -> dict[str, str]:
        return {"error": self.reason}


Cell = Union[TrackerEvaluation, Refusal]


def parse_protocols(text: str | SequenceOf[str]) -> list[Protocol]:
    """``all``, one name, or a comma list (``jointnlt,tnl2k-matlab``) -> protocols in the given order."""
    names = [n.strip() for n in (text.split(",") if isinstance(text, str) else text) if n.strip()]
    if names == ["all"]:
        return list(PROTOCOLS.values())
    if not names:
        raise EvaluationError("--protocol: give a protocol name, a comma list, or 'all'")
    if len(set(names)) != len(names):
        raise EvaluationError(f"--protocol {','.join(names)}: a protocol is listed twice")
    return [get_protocol(n) for n in names]


def evaluate_cells(
    sequences: SequenceOf[Sequence],
    results: Mapping[str, ResultSource],
    dataset: str,
    protocol: str | Protocol,
    **options: Any,
) -> tuple[dict[str, Cell], EvaluationResult | None]:
    """Every tracker under one protocol; a tracker the protocol refuses gets a :class:`Refusal`.

    All trackers are evaluated together (exactly ``nlbench eval``); only when that
    raises is each tracker evaluated alone, to find which ones the protocol refuses.
    Returns the cells and the evaluation of the accepted trackers (None if none was).
    """
    try:
        joint = evaluate(sequences, results, dataset, protocol=protocol, **options)
    except EvaluationError:
        pass
    else:
        return dict(joint.trackers), joint
    cells: dict[str, Cell] = {}
    accepted: list[EvaluationResult] = []
    for name, source in results.items():
        try:
            alone = evaluate(sequences, {name: source}, dataset, protocol=protocol, **options)
        except EvaluationError as exc:
            cells[name] = Refusal(str(exc))
        else:
            cells[name] = alone.trackers[name]
            accepted.append(alone)
    if not accepted:
        return cells, None
    first = accepted[0]
    skipped: dict[str, list[str]] = {}
    for part in accepted:
        for seq, names in part.skipped.items():
            skipped.setdefault(seq, []).extend(names)
    merged = EvaluationResult(
        dataset=first.dataset,
        protocol=first.protocol,
        trackers={n: c for n, c in cells.items() if isinstance(c, TrackerEvaluation)},
        sequence_names=first.sequence_names,
        n_requested=first.n_requested,
        skipped=skipped,
        runs={name: run_provenance(source) for name, source in results.items()},
    )
    return cells, merged


@dataclass
class ProtocolMatrix:
    """``cells[protocol][tracker]``: the tracker's evaluation under the protocol, or a refusal."""

    dataset: str
    protocols: list[Protocol]
    cells: dict[str, dict[str, Cell]]
    #: per protocol, the evaluation of the trackers it accepted (for the store, coverage, provenance)
    evaluations: dict[str, EvaluationResult]

    @property
    def trackers(self) -> list[str]:
        return list(next(iter(self.cells.values()))) if self.cells else []

    def to_json(self) -> dict[str, Any]:
        """``{"dataset", "protocols": {P: {"trackers": {NAME: <single-protocol form> | {"error"}}}}}``."""
        return {
            "dataset": self.dataset,
            "protocols": {
                name: {"trackers": {t: cell.to_json() for t, cell in cells.items()}} for name, cells in self.cells.items()
            },
            "provenance": self.provenance(),
        }

    def provenance(self) -> dict[str, Any]:
        """As a single evaluation's, with every protocol's rules."""
        first = next(iter(self.evaluations.values()))
        out = first.provenance()
        del out["protocol"]
        out["protocols"] = {p.name: protocol_rules(p) for p in self.protocols}
        out["runs"] = {t: first.runs.get(t) for t in self.trackers}
        return out


def evaluate_protocols(
    sequences: SequenceOf[Sequence],
    results: Mapping[str, ResultSource],
    dataset: str,
    protocols: SequenceOf[str | Protocol],
    **options: Any,
) -> ProtocolMatrix:
    """Score every tracker under every protocol (``options`` as for :func:`evaluate`).

    A tracker that every protocol refuses has a problem no protocol explains
    (a missing or unreadable result): its first refusal is raised.
    """
    rules = [get_protocol(p) for p in protocols]
    cells: dict[str, dict[str, Cell]] = {}
    evaluations: dict[str, EvaluationResult] = {}
    for protocol in rules:
        cells[protocol.name], joint = evaluate_cells(sequences, results, dataset, protocol, **options)
        if joint is not None:
            evaluations[protocol.name] = joint
    for tracker in results:
        refusals = [row[tracker] for row in cells.values()]
        if refusals and all(isinstance(c, Refusal) for c in refusals):
            raise EvaluationError(refusals[0].reason)  # type: ignore[union-attr]
    return ProtocolMatrix(dataset=dataset, protocols=rules, cells=cells, evaluations=evaluations)
