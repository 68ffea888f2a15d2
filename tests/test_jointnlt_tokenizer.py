"""Offline bert-base-uncased tokenization (spec §3.1, §10.1)."""

from __future__ import annotations

import hashlib

import pytest

from nlbench_trackers.jointnlt.tokenizer import VOCAB_PATH, VOCAB_SHA256, load_vocab, tokenize, word_pieces


def test_bundled_vocab_is_bert_base_uncased() -> None:
    assert hashlib.sha256(VOCAB_PATH.read_bytes()).hexdigest() == VOCAB_SHA256
    vocab = load_vocab(VOCAB_PATH)
    assert len(vocab) == 30522
    assert (vocab["[PAD]"], vocab["[UNK]"], vocab["[CLS]"], vocab["[SEP]"]) == (0, 100, 101, 102)


@pytest.mark.parametrize(
    "text, ids",
    [
        # golden ids of bert-base-uncased: the=1996 white=2317 airplane=13297 ,=1010 flying=3909 in=1999 sky=3712
        ("The white airplane, flying in the sky", [101, 1996, 2317, 13297, 1010, 3909, 1999, 1996, 3712, 102]),
        # apostrophes split; accents stripped by lower-casing: café -> cafe, déjà -> de ##ja
        ("café déjà-vu don't", [101, 7668, 2139, 3900, 1011, 24728, 2123, 1005, 1056, 102]),
        ("", [101, 102]),
    ],
    ids=["comma", "accents-apostrophe", "empty"],
)
def test_token_ids(text: str, ids: list[int]) -> None:
    got, mask = tokenize(text)
    assert got.shape == (1, 40) and mask.shape == (1, 40)
    assert got[0, : len(ids)].tolist() == ids
    assert got[0, len(ids):].eq(0).all()
    assert mask[0].tolist() == [1] * len(ids) + [0] * (40 - len(ids))


def test_word_pieces_of_accents_and_apostrophes() -> None:
    assert word_pieces("Café DÉJÀ-vu don't") == ["cafe", "de", "##ja", "-", "vu", "don", "'", "t"]


def test_long_sentence_keeps_first_38_pieces() -> None:
    words = [f"w{i}" for i in range(50)]
    text = " ".join(["dog"] * 45)
    ids, mask = tokenize([text, " ".join(words)])
    assert mask.sum(1).tolist() == [40, 40]
    assert ids[0].tolist() == [101] + [3899] * 38 + [102]  # dog = 3899
    pieces = word_pieces(" ".join(words))
    assert len(pieces) > 38
    assert ids[1, -1].item() == 102


def test_batch_and_custom_length() -> None:
    ids, mask = tokenize(["a red car", "the person on the left"], max_len=20)
    assert ids.shape == (2, 20)
    assert mask.sum(1).tolist() == [5, 7]
