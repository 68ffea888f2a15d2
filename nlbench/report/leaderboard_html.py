"""``nlbench leaderboard --html``: one self-contained page (inline CSS and plain JavaScript, no network).

Rows are rendered here, escaped; the script only reorders and hides existing rows (it never builds HTML from
data), so a tracker name or note cannot inject markup.  Every number links to its source: the GitHub file when
the source is ``owner/repo@commit path``, otherwise the entry in the page's source list.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from nlbench.core.io import atomic_write_text
from nlbench.core.registry import dataset_label
from nlbench.report.leaderboard import Leaderboard, LeaderboardEntry

_HEADS = {"accuracy": "Acc", "auc": "AUC", "precision": "P", "norm_precision": "NP"}
_LABELS = {"P": "P — authors", "S": "S — third-party table", "T": "T — aggregator / AI note", "measured": "measured"}

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1b1b1b;background:#fff}
h1{font-size:20px;margin:0 0 4px} p.lead{margin:0 0 12px;color:#444;max-width:70em}
.filters{display:flex;gap:16px;margin:12px 0;flex-wrap:wrap} .filters label{font-weight:600}
select{margin-left:4px}
table{border-collapse:collapse;width:100%} th,td{padding:4px 8px;border-bottom:1px solid #ddd;text-align:left;
vertical-align:top} th{background:#f2f2f2;cursor:pointer;user-select:none;white-space:nowrap}
th.sorted-asc::after{content:" \\25B2"} th.sorted-desc::after{content:" \\25BC"}
td.num{text-align:right;font-variant-numeric:tabular-nums} td.src{font-size:12px;color:#333;max-width:34em}
tr.measured{background:#eef6ee} tr.class-S{background:#fbf7ea} tr.class-T{background:#fbeeee}
span.badge{display:inline-block;padding:0 5px;border-radius:3px;font-size:11px;font-weight:700;color:#fff}
span.b-P{background:#2a6f2a} span.b-S{background:#9a7b13} span.b-T{background:#a33} span.b-measured{background:#246}
ul.extra{margin:2px 0 0;padding-left:16px;font-size:12px} li.conflict{color:#a33} li.delta{color:#246}
a{color:#0645ad} #count{color:#444;margin:4px 0} ol.sources{font-size:12px;overflow-wrap:anywhere}
"""

_JS = """
(function () {
  var table = document.getElementById('board');
  var body = table.tBodies[0];
  var heads = table.tHead.rows[0].cells;
  var order = {};
  function value(row, key, type) {
    var v = row.getAttribute('data-' + key);
    if (type === 'num') { return v === '' || v === null ? null : parseFloat(v); }
    return (v || '').toLowerCase();
  }
  function sortBy(index) {
    var th = heads[index], key = th.getAttribute('data-key'), type = th.getAttribute('data-type');
    var dir = order[key] === 'desc' ? 'asc' : (order[key] === 'asc' ? 'desc' : (type === 'num' && key !== 'rank' ? 'desc' : 'asc'));
    order = {}; order[key] = dir;
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = value(a, key, type), y = value(b, key, type);
      if (x === null && y === null) { return 0; }
      if (x === null) { return 1; }
      if (y === null) { return -1; }
      var c = x < y ? -1 : (x > y ? 1 : 0);
      return dir === 'asc' ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    for (var i = 0; i < heads.length; i++) { heads[i].className = ''; }
    th.className = 'sorted-' + dir;
  }
  for (var i = 0; i < heads.length; i++) {
    (function (k) { heads[k].addEventListener('click', function () { sortBy(k); }); })(i);
  }
  var filters = document.querySelectorAll('select[data-filter]');
  function applyFilters() {
    var shown = 0;
    Array.prototype.forEach.call(body.rows, function (row) {
      var ok = true;
      Array.prototype.forEach.call(filters, function (f) {
        if (f.value !== '' && row.getAttribute('data-' + f.getAttribute('data-filter')) !== f.value) { ok = false; }
      });
      row.hidden = !ok;
      if (ok) { shown++; }
    });
    document.getElementById('count').textContent = shown + ' of ' + body.rows.length + ' rows';
  }
  Array.prototype.forEach.call(filters, function (f) { f.addEventListener('change', applyFilters); });
  applyFilters();
})();
"""


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _cell(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _class_of(entry: LeaderboardEntry) -> str:
    return entry.source_class or "measured"


def _row(entry: LeaderboardEntry, scores: tuple[str, ...], link: str) -> str:
    klass = _class_of(entry)
    attrs = {
        "rank": "" if entry.rank is None else str(entry.rank),
        "tracker": entry.tracker,
        "init": entry.init or "–",
        "protocol": entry.protocol,
        "family": entry.family,
        "class": klass,
        "source": entry.source,
        **{s: _number(getattr(entry, s)) for s in scores},
    }
    data = " ".join(f'data-{k}="{escape(v)}"' for k, v in attrs.items())
    cells = [
        f'<td class="num">{escape(attrs["rank"] or "–")}</td>',
        f"<td>{escape(entry.tracker)}</td>",
        f"<td>{escape(attrs['init'])}</td>",
    ]
    title = escape(entry.source)
    for score in scores:
        value = getattr(entry, score)
        text = escape(_cell(value))
        cells.append(
            f'<td class="num"><a href="{escape(link)}" title="{title}">{text}</a></td>' if value is not None
            else f'<td class="num">{text}</td>'
        )  # fmt: skip
    family = f"<br><small>{escape(entry.family)}</small>" if entry.family != entry.protocol else ""
    cells.append(f"<td>{escape(entry.protocol)}{family}</td>")
    cells.append(f'<td><span class="badge b-{escape(klass)}">{escape(klass)}</span></td>')
    extra = [
        f'<li class="conflict">≠ {escape(_HEADS[c.metric])} {escape(_cell(c.value))} ({escape(c.init or "–")}) '
        f"{escape(c.source)}</li>"
        for c in entry.conflicts
    ] + [
        f'<li class="delta">Δ {escape(_HEADS[d.metric])} {d.delta:+.1f} vs {escape(_cell(d.reported))} '
        f"({escape(d.init or '–')}, {escape(d.protocol)}) {escape(d.source)}</li>"
        for d in entry.deltas
    ]
    detail = " — ".join(escape(t) for t in (entry.note, entry.check) if t)
    source = f'<a href="{escape(link)}">{escape(entry.source)}</a>'
    if detail:
        source += f"<br><small>{detail}</small>"
    if extra:
        source += f'<ul class="extra">{"".join(extra)}</ul>'
    cells.append(f'<td class="src">{source}</td>')
    return f'<tr class="{escape("measured" if entry.kind == "measured" else "class-" + klass)}" {data}>{"".join(cells)}</tr>'


def _select(name: str, label: str, values: list[str], labels: dict[str, str] | None = None) -> str:
    options = ['<option value="">all</option>'] + [
        f'<option value="{escape(v)}">{escape((labels or {}).get(v, v))}</option>' for v in values
    ]
    return f'<label>{escape(label)}<select id="filter-{name}" data-filter="{name}">{"".join(options)}</select></label>'


def render_leaderboard_html(board: Leaderboard) -> str:
    """The page as a string (all user text escaped)."""
    scores = ("accuracy",) if board.grounding else ("auc", "precision", "norm_precision")
    # one list item per (label, reference): measured rows share a label but not their evaluation file
    sources: dict[tuple[str, str, str | None], int] = {}
    rows = []
    for entry in board.entries:
        index = sources.setdefault((entry.source, entry.reference, entry.url), len(sources) + 1)
        rows.append(_row(entry, scores, entry.url or f"#src-{index}"))
    source_items = "".join(
        f'<li id="src-{i}">{escape(label)}'
        + (f' — <a href="{escape(url)}">{escape(url)}</a>' if url else "")
        + (f" — {escape(reference)}" if reference and not url and reference not in label else "")
        + "</li>"
        for (label, reference, url), i in sources.items()
    )
    heads = [("rank", "num", "#")] + [("tracker", "text", "tracker"), ("init", "text", "init")]
    heads += [(s, "num", _HEADS[s]) for s in scores]
    heads += [("family", "text", "protocol"), ("class", "text", "class"), ("source", "text", "source")]
    head_html = "".join(
        f'<th data-key="{k}" data-type="{t}">{escape(label)}</th>' for k, t, label in heads
    )
    inits = sorted({e.init or "–" for e in board.entries})
    families = sorted({e.family for e in board.entries})
    classes = [c for c in ("P", "S", "T", "measured") if any(_class_of(e) == c for e in board.entries)]
    title = f"nlbench leaderboard — {dataset_label(board.dataset)}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{_CSS}</style></head>
<body>
<h1>{escape(title)}</h1>
<p class="lead">Scores in percent. <b>#</b> ranks within one protocol family only (py-analysis, matlab, pysot,
got10k, unknown): numbers of different protocols are not ranked against each other. Source classes: P the authors'
own paper or repository, S a third-party table, T an aggregator or AI-written note; measured = your runs.
≠ another source prints a different value for the same setting; Δ = measured minus published.
Click a column head to sort; every number links to its source.</p>
<div class="filters">{_select("init", "init", inits)}{_select("family", "protocol", families)}{_select("class", "source class", classes, _LABELS)}</div>
<div id="count"></div>
<table id="board"><thead><tr>{head_html}</tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
<h2>Sources</h2>
<ol class="sources">{source_items}</ol>
<script>{_JS}</script>
</body></html>
"""


def write_leaderboard_html(board: Leaderboard, path: str | Path) -> Path:
    return atomic_write_text(path, render_leaderboard_html(board))
