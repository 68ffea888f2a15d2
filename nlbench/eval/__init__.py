"""Exact evaluation of tracking results (eval-spec §1, §2, §6).

* :func:`evaluate` — score trackers on a list of sequences under a protocol.
* :func:`score` / :func:`score_sequence` — the one scorer: curves of many results at once.
* :data:`PROTOCOLS` / :func:`get_protocol` — the toolkits' rules as data.
* :func:`load_evaluated` — stored evaluations for the leaderboard.
* :func:`paired_comparison`, :func:`bootstrap_ci` — statistics over sequences.
"""

from nlbench.eval.evaluate import EvaluationResult, TrackerEvaluation, evaluate, lasot_quirks
from nlbench.eval.scorer import Curves, score, score_sequence
from nlbench.eval.protocols import PROTOCOLS, Protocol, get_protocol
from nlbench.eval.statistics import PairedComparison, bootstrap_ci, paired_comparison
from nlbench.store.evaluated import load_evaluated, store_evaluation

__all__ = [
    "PROTOCOLS",
    "Curves",
    "EvaluationResult",
    "PairedComparison",
    "Protocol",
    "TrackerEvaluation",
    "bootstrap_ci",
    "evaluate",
    "get_protocol",
    "lasot_quirks",
    "load_evaluated",
    "paired_comparison",
    "score",
    "score_sequence",
    "store_evaluation",
]
