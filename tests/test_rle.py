"""Compressed RLE counts: decoding matches pycocotools, corruption is caught."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pycocotools import mask as cocomask

from convert.pixels import runs
from convert.pixels.rle import RleError, check_counts, counts_many, counts_to_string, string_to_counts


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


masks = st.lists(arrays(np.uint8, st.tuples(st.integers(1, 40), st.integers(1, 40)), elements=st.integers(0, 1)),
                 min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(masks)
def test_batch_decoding_equals_one_string_at_a_time(batch):
    """Several strings decoded in one pass: the same counts as the checked decoder, string by string
    (long runs give multi-character groups, shrinking runs negative deltas)."""
    strings = [cocomask.encode(np.asfortranarray(m))["counts"] for m in batch]
    counts, sizes = counts_many(strings)
    assert sizes.sum() == len(counts)
    pieces = np.split(counts, np.cumsum(sizes)[:-1])
    assert [p.tolist() for p in pieces] == [string_to_counts(s.decode()).tolist() for s in strings]


@settings(max_examples=200, deadline=None)
@given(masks)
def test_runs_from_strings_cover_exactly_the_pixels_pycocotools_decodes(batch):
    strings = [cocomask.encode(np.asfortranarray(m))["counts"] for m in batch]
    starts, ends, which = runs.from_strings(strings)
    for k, mask in enumerate(batch):
        mine = which == k
        assert (runs.to_mask(starts[mine], ends[mine], *mask.shape) == mask.astype(bool)).all()
        assert (ends[mine] > starts[mine]).all() and (starts[mine][1:] > ends[mine][:-1]).all()


count_lists = st.lists(st.lists(st.integers(0, 2**33), max_size=9), min_size=1, max_size=5)


@settings(max_examples=300, deadline=None)
@given(count_lists)
def test_any_counts_survive_encoding_and_batch_decoding(batch):
    """Counts of any size (groups of up to 7 characters, the most a string may use; negative deltas),
    zero-length runs, strings of odd and even length and empty strings: the batch decoder and the runs built
    from it give back exactly the counts the pure-Python encoder was given."""
    strings = [counts_to_string(c).encode("ascii") for c in batch]
    assert [string_to_counts(s.decode()).tolist() for s in strings] == batch
    counts, sizes = counts_many(strings)
    assert sizes.tolist() == [len(c) for c in batch]
    assert counts.tolist() == [v for c in batch for v in c]
    starts, ends, which = runs.from_strings(strings)
    for k, c in enumerate(batch):
        expected = runs.from_counts(np.array(c, dtype=np.int64))
        assert starts[which == k].tolist() == expected[0].tolist()
        assert ends[which == k].tolist() == expected[1].tolist()


def test_runs_of_a_window_and_their_bounding_box():
    window = np.zeros((3, 4), dtype=bool)  # [column, row]: columns 2..4, rows 1..4 of a 6-row image
    window[0, 1:3] = window[2, :] = True
    starts, ends = runs.from_window(2, 1, window, 6)
    expected = np.zeros((6, 6), dtype=bool)
    expected[2:4, 2] = expected[1:5, 4] = True
    assert (runs.to_mask(starts, ends, 6, 6) == expected).all()
    assert runs.bbox(starts, ends, 6) == (2, 1, 3, 4)
    # a run that wraps into the next column spans every row of the box
    assert runs.bbox(np.array([5]), np.array([7]), 6) == (0, 0, 2, 6)
