"""Sentence files: replace a dataset's sentences for a run (``nlbench run --sentences FILE``).

A sentence file is UTF-8, either CSV with the header ``sequence,sentence`` or a JSON object
``{"sequence": "sentence", ...}``.  It is read and checked here, before anything runs: every name
must be a sequence of the dataset and every sentence non-empty.  Listed sequences get the file's
sentence, unlisted ones keep the dataset's.  The sentence is normalised as a dataset sentence file
is (line endings, surrounding newlines), so a tracker sees it exactly as it would see
``language.txt`` -- including the quirks a plugin reproduces on that text (JointNLT's numpy reading).
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import hashlib
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from nlbench.core.errors import SentenceFileError
from nlbench.core.io import atomic_write_text
from nlbench.core.types import Sequence

CSV_HEADER = ("sequence", "sentence")
FORMAT_HELP = "a CSV file with the header 'sequence,sentence' or a JSON object {\"sequence\": \"sentence\"}"


@dataclass(frozen=True)
class SentenceFile:
    """A checked sentence file: where it is, its SHA-256 and its sentences in file order."""

    path: Path
    sha256: str
    sentences: dict[str, str]

    def manifest_entry(self) -> dict[str, str]:
        return {"path": str(self.path), "sha256": self.sha256}


def normalise_sentence(text: str) -> str:
    """What :func:`nlbench.datasets.base.read_sentence` makes of a file holding ``text``."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")


def _decode(path: Path, raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise SentenceFileError(
            f"{path}:{line}: not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the sentence file as UTF-8"
        ) from None
    return text.removeprefix("\ufeff")  # a byte-order mark from spreadsheet exports


def _parse_json(path: Path, text: str) -> dict[str, str]:
    def unique(pairs: list[tuple[str, object]]) -> dict[str, object]:
        seen: dict[str, object] = {}
        for key, value in pairs:
            if key in seen:
                raise SentenceFileError(f"{path}: sequence '{key}' is listed twice")
            seen[key] = value
        return seen

    try:
        data = json.loads(text, object_pairs_hook=unique)
    except json.JSONDecodeError as exc:
        raise SentenceFileError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg}); expected {FORMAT_HELP}") from None
    if not isinstance(data, dict):
        raise SentenceFileError(f"{path}: expected {FORMAT_HELP}, found a JSON {type(data).__name__}")
    for name, sentence in data.items():
        if not isinstance(sentence, str):
            raise SentenceFileError(f"{path}: the sentence of sequence '{name}' is not a string")
    return dict(data)  # type: ignore[arg-type]


def _parse_csv(path: Path, text: str) -> dict[str, str]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None or tuple(h.strip().lower() for h in header) != CSV_HEADER:
            found = ",".join(header) if header else "an empty file"
            raise SentenceFileError(
                f"{path}:1: CSV without the header 'sequence,sentence' (found {found[:60]!r}); expected {FORMAT_HELP}"
            )
        sentences: dict[str, str] = {}
        for row in reader:
            line = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            if len(row) != 2:
                raise SentenceFileError(
                    f"{path}:{line}: expected 2 fields 'sequence,sentence', found {len(row)} "
                    "(quote a sentence that holds a comma)"
                )
            name, sentence = row[0].strip(), row[1]
            if name in sentences:
                raise SentenceFileError(f"{path}:{line}: sequence '{name}' is listed twice")
            sentences[name] = sentence
    except csv.Error as exc:
        raise SentenceFileError(f"{path}:{reader.line_num}: not valid CSV ({exc})") from None
    return sentences


def read_sentence_file(path: str | Path) -> SentenceFile:
    """Parse and check the format of a sentence file (names are checked by :func:`check_names`)."""
    path = Path(path)
    if not path.is_file():
        raise SentenceFileError(f"sentence file {path} does not exist")
    raw = path.read_bytes()
    text = _decode(path, raw)
    parsed = _parse_json(path, text) if text.lstrip().startswith("{") else _parse_csv(path, text)
    sentences = {}
    for name, sentence in parsed.items():
        sentence = normalise_sentence(sentence)
        if not sentence.strip():
            raise SentenceFileError(f"{path}: the sentence of sequence '{name}' is empty")
        sentences[name] = sentence
    if not sentences:
        raise SentenceFileError(f"{path}: lists no sentence; expected {FORMAT_HELP}")
    return SentenceFile(path=path, sha256=hashlib.sha256(raw).hexdigest(), sentences=sentences)


def check_names(sentence_file: SentenceFile, known: Iterable[str], dataset: str) -> None:
    """Every listed name must be a sequence of ``dataset``; the error names it and suggests close names."""
    known = list(known)
    known_set = set(known)
    for name in sentence_file.sentences:
        if name not in known_set:
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            raise SentenceFileError(
                f"{sentence_file.path}: sequence '{name}' is not in dataset {dataset}{hint} (names are case-sensitive)"
            )


def apply_sentences(sequences: Iterable[Sequence], sentences: Mapping[str, str]) -> list[Sequence]:
    """The sequences with the listed sentences in place of the dataset's (unlisted ones unchanged)."""
    return [
        dataclasses.replace(seq, language=sentences[seq.name], language_path=None) if seq.name in sentences else seq
        for seq in sequences
    ]


def write_sentence_file(path: str | Path, sentences: Mapping[str, str]) -> Path:
    """Write ``sentences`` as a sentence file: JSON for a ``.json`` path, else CSV (atomically)."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        return atomic_write_text(path, json.dumps(dict(sentences), indent=2, ensure_ascii=False) + "\n")
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    writer.writerows(sentences.items())
    return atomic_write_text(path, buffer.getvalue())


def dataset_sentences(dataset: str, root: str | Path | None = None, split: str | None = None,
                      variant: str = "original") -> dict[str, str]:
    """``{sequence: sentence}`` of a dataset split: its own sentences (``original``, any tracking dataset,
    a starting point to edit) or a named variant the dataset generates (``DatasetPlugin.variants``)."""
    from nlbench.core.config import resolve_root
    from nlbench.datasets import load_sequences
    from nlbench.core.registry import get_dataset

    plugin = get_dataset(dataset)
    split = split or plugin.default_split
    if variant == "original" and plugin.sentence_variants is None:
        return {s.name: s.language for s in load_sequences(dataset, root, split, with_frames=False)}
    if variant not in plugin.variants or plugin.sentence_variants is None:
        offered = ", ".join(plugin.variants) if plugin.variants else "original (it generates no variants)"
        raise SentenceFileError(f"dataset {dataset} has no sentence variant '{variant}'; choose {offered}")
    return dict(plugin.sentence_variants(resolve_root(plugin, root), split, variant))
