"""Uncertainty beyond the published point estimates: bootstrap intervals and paired tests over sequences."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

#: Fixed seed: the same inputs always give the same interval.
DEFAULT_SEED = 0
DEFAULT_RESAMPLES = 2000


def bootstrap_ci(
    per_sequence: np.ndarray,
    level: float = 0.95,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> tuple[float, float]:
    """Percentile interval of the mean of ``per_sequence`` with sequences resampled with replacement."""
    values = np.asarray(per_sequence, dtype=np.float64)
    if values.size == 0:
        return (float("nan"), float("nan"))
    if values.size == 1:
        return (float(values[0]), float(values[0]))
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, values.size, size=(resamples, values.size))].mean(axis=1)
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(means, [alpha, 1.0 - alpha])
    return (float(low), float(high))


@dataclass(frozen=True)
class PairedComparison:
    """Tracker A minus tracker B over the same sequences (per-sequence AUC, percentage points)."""

    a: str
    b: str
    n_sequences: int
    mean_a: float
    mean_b: float
    mean_difference: float
    ci95: tuple[float, float]
    bootstrap_p: float
    wilcoxon_statistic: float
    wilcoxon_p: float
    alpha: float
    significant: bool

    def to_json(self) -> dict:
        out = asdict(self)
        out["ci95"] = list(self.ci95)
        return out

    def summary(self) -> str:
        verdict = "significant" if self.significant else "not significant"
        return (
            f"{self.a} - {self.b}: AUC difference {self.mean_difference:+.2f} pp over {self.n_sequences} sequences, "
            f"95% CI [{self.ci95[0]:+.2f}, {self.ci95[1]:+.2f}] (paired bootstrap, p={self.bootstrap_p:.4f}), "
            f"Wilcoxon signed-rank p={self.wilcoxon_p:.4g}: {verdict} at alpha={self.alpha}"
        )


def paired_comparison(
    a_name: str,
    a: np.ndarray,
    b_name: str,
    b: np.ndarray,
    alpha: float = 0.05,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> PairedComparison:
    """Paired bootstrap and Wilcoxon signed-rank test on per-sequence scores of two trackers.

    Significant means both agree: the Wilcoxon p-value is below ``alpha`` and the
    bootstrap interval of the mean difference excludes 0.
    """
    from scipy.stats import wilcoxon

    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    diff = a - b
    n = diff.size
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, n, size=(resamples, n))].mean(axis=1) if n else np.array([np.nan])
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2]) if n else (np.nan, np.nan)
    # Two-sided bootstrap p-value: how often the resampled mean lands on the other side of 0.
    boot_p = float(min(1.0, 2 * min(np.mean(means <= 0), np.mean(means >= 0)))) if n else 1.0
    if n == 0 or np.all(diff == 0):
        stat, w_p = 0.0, 1.0
    else:
        result = wilcoxon(a, b)
        stat, w_p = float(result.statistic), float(result.pvalue)
    significant = bool(w_p < alpha and (low > 0 or high < 0))
    return PairedComparison(
        a=a_name,
        b=b_name,
        n_sequences=n,
        mean_a=float(a.mean()) if n else float("nan"),
        mean_b=float(b.mean()) if n else float("nan"),
        mean_difference=float(diff.mean()) if n else float("nan"),
        ci95=(float(low), float(high)),
        bootstrap_p=boot_p,
        wilcoxon_statistic=stat,
        wilcoxon_p=w_p,
        alpha=alpha,
        significant=significant,
    )
