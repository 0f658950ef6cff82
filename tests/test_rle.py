"""Compressed RLE counts: decoding matches pycocotools, corruption is caught."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pycocotools import mask as cocomask

from convert.rle import RleError, check_counts, counts_to_string, string_to_counts


def runs_of(mask: np.ndarray) -> list[int]:
    flat = mask.ravel(order="F")
    change = np.flatnonzero(np.diff(flat)) + 1
    runs = np.diff(np.concatenate(([0], change, [flat.size]))).tolist()
    return ([0] + runs) if flat.size and flat[0] else runs


def test_formats_md_example():
    # 5 rows x 4 columns, rows 1-2 and columns 1-2 set: [6,2,3,2,7] <-> "62304"
    assert string_to_counts("62304").tolist() == [6, 2, 3, 2, 7]
    assert counts_to_string([6, 2, 3, 2, 7]) == "62304"


@settings(max_examples=200, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 30), st.integers(1, 30)), elements=st.integers(0, 1)))
def test_decoding_matches_pycocotools_encode(mask):
    encoded = cocomask.encode(np.asfortranarray(mask))["counts"].decode("ascii")
    counts = string_to_counts(encoded)
    assert counts.tolist() == runs_of(mask)
    assert counts_to_string(counts) == encoded
    check_counts(counts, *mask.shape)


@pytest.mark.parametrize("text, message", [
    ("62 04", "outside '0'..'o'"),
    ("6230p", "outside '0'..'o'"),
    ("62P", "truncated"),
    ("6" + "P" * 8 + "0", "more than 7"),
    ("é", "non-ASCII"),
])
def test_corrupt_strings_are_refused(text, message):
    with pytest.raises(RleError, match=message):
        string_to_counts(text)


def test_check_counts_catches_negative_runs_and_wrong_sums():
    with pytest.raises(RleError, match="negative"):
        check_counts(np.array([5, -1, 16]), 5, 4)
    with pytest.raises(RleError, match="sum to 11"):
        check_counts(np.array([6, 2, 3]), 5, 4)
