"""The sweep against the obvious painter: paint region after region, remember what was beneath."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from convert.pixels import runs
from convert.pixels.layers import Layers, sweep_bands


def naive(masks, height, width):
    """Owner of every pixel (-1: none) and pixels each region painted directly over another."""
    owner = np.full(height * width, -1)
    over: dict[tuple[int, int], int] = {}
    for k, mask in enumerate(masks):
        flat = mask.T.ravel()  # column-major, as runs are
        for u in np.unique(owner[flat]):
            if u >= 0:
                over[(int(u), k)] = int(np.count_nonzero(owner[flat] == u))
        owner[flat] = k
    return owner, over


def runs_of(masks, height):
    parts = [runs.from_window(0, 0, m.T, height) for m in masks]
    starts = np.concatenate([p[0] for p in parts]) if parts else runs.EMPTY
    ends = np.concatenate([p[1] for p in parts]) if parts else runs.EMPTY
    which = np.concatenate([np.full(len(p[0]), k) for k, p in enumerate(parts)]) if parts else runs.EMPTY
    return starts, ends, which


scenes = st.tuples(st.integers(1, 9), st.integers(1, 9), st.integers(0, 6), st.integers(0, 2**32 - 1))


@settings(max_examples=300, deadline=None)
@given(scenes, st.sampled_from([None, 1, 3, 10]))
def test_sweep_equals_painting_region_after_region(scene, limit):
    height, width, n, seed = scene
    rng = np.random.default_rng(seed)
    masks = [rng.random((height, width)) < rng.uniform(0.1, 0.9) for _ in range(n)]
    owner, over = naive(masks, height, width)
    starts, ends, which = runs_of(masks, height)

    top = np.full(height * width, -2)
    visible = np.zeros(n, dtype=np.int64)
    seen: dict[tuple[int, int], int] = {}
    columns = []
    kw = {} if limit is None else {"limit": limit}
    for c0, c1, layers in sweep_bands(starts, ends, which, n, height, width, **kw):
        columns.append((c0, c1))
        assert layers.bounds[0] == c0 * height and layers.bounds[-1] == c1 * height
        top[c0 * height:c1 * height] = np.repeat(layers.top, layers.lengths)
        visible += layers.visible(n)
        for u, o, p in zip(*(a.tolist() for a in layers.painted_over())):
            seen[(u, o)] = seen.get((u, o), 0) + p
    assert columns == sorted(columns) and columns[0][0] == 0 and columns[-1][1] == width
    assert all(a[1] == b[0] for a, b in zip(columns, columns[1:]))
    assert (top == owner).all()
    assert visible.tolist() == [int(np.count_nonzero(owner == k)) for k in range(n)]
    assert seen == over


def test_paint_writes_values_of_the_top_region_and_the_empty_value_elsewhere():
    layers = Layers.sweep(np.array([1, 2]), np.array([3, 5]), np.array([0, 1]), 2, 0, 6)
    assert layers.paint(np.array([4, 8], dtype=np.uint8), 255).tolist() == [255, 4, 8, 8, 8, 255]
    assert layers.paint(np.array([4, 8], dtype=np.uint8), 255).dtype == np.uint8


def test_bands_split_deep_stacks_by_columns():
    # 40 regions each covering the whole 4x8 image in runs of one pixel: 40 x 32 stack entries
    height, width = 4, 8
    starts = np.tile(np.arange(height * width), 40)
    which = np.repeat(np.arange(40), height * width)
    bands = [(c0, c1) for c0, c1, _ in sweep_bands(starts, starts + 1, which, 40, height, width, limit=200)]
    assert len(bands) == 8 and bands[0] == (0, 1) and bands[-1] == (7, 8)
