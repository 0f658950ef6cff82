"""Changing a loaded dataset (issue 29): filter, subset, label changes, a new label map, and diff.

Each change is checked by what it does to the painted pixels, computed here from the unchanged dataset's
masks, and by the finding it adds."""

from __future__ import annotations

import numpy as np
import pytest

import convert
from convert.errors import UsageError

from conftest import FOOD

LABELS = FOOD / "labelmap.yaml"


def food() -> convert.Dataset:
    return convert.load(FOOD / "annotations.json", labels=LABELS)


def test_filter_keeps_the_samples_it_is_asked_for_in_order_and_their_findings():
    ds = food()
    with_cup = ds.filter(lambda s: any(r.label == "cup" for r in s.regions))
    names = [s.name for s in ds if any(r.label == "cup" for r in s.regions)]
    assert 0 < len(with_cup) < len(ds) and [s.name for s in with_cup] == names == with_cup.names()
    assert len(ds) == 4  # the dataset it came from is unchanged
    assert all(f.image in (None, *names) for f in with_cup.findings)
    assert len(with_cup.filter(lambda s: False)) == 0


def test_subset_picks_a_subset_and_names_the_ones_there_are():
    zeros = np.zeros((2, 2), np.uint8)
    ds = convert.from_masks({"a.png": zeros, "b.png": zeros, "c.png": zeros}, labels=LABELS,
                            subsets={"a.png": "train", "c.png": "val"})
    assert ds.subsets == {"train": 1, None: 1, "val": 1}
    assert [s.name for s in ds.subset("val")] == ["c.png"]
    with pytest.raises(UsageError, match="no sample is in subset 'vall'; did you mean 'val'.*"
                                         "train \\(1\\), val \\(1\\)"):
        ds.subset("vall")


def test_renaming_keeps_pixels_and_indices_and_is_a_finding(tmp_path):
    ds = food()
    renamed = ds.relabel({"plate": "dinner_plate", "rice": "grain"})
    assert renamed.labelmap["dinner_plate"].index == 1 and renamed.labelmap["grain"].index == 5
    assert "plate" not in {c.name for c in renamed.labelmap.classes}
    for before, after in zip(ds, renamed):
        assert np.array_equal(ds.mask(before), renamed.mask(after))
        assert {r.label for r in after.regions} & {"plate", "rice"} == set()
    assert [(f.code, f.message) for f in renamed.findings[-2:]] == [
        ("label-renamed", "class 'plate' (index 1) renamed 'dinner_plate' (index, level and colour kept)"),
        ("label-renamed", "class 'rice' (index 5) renamed 'grain' (index, level and colour kept)")]
    report = renamed.export(tmp_path / "o", to="png", json_path=tmp_path / "r.json")
    assert [f.code for f in report.findings].count("label-renamed") == 2  # in the run's report too
    assert "label-renamed" in (tmp_path / "r.json").read_text()
    assert '"dinner_plate"' in (tmp_path / "o" / "labelmap.json").read_text()


def test_dropping_a_class_shows_what_lies_beneath_and_void_paints_dont_care():
    ds = food()
    dropped, voided = ds.relabel({"rice": None}), ds.relabel({"rice": convert.VOID})
    for i, sample in enumerate(ds):
        before = ds.mask(sample)
        rice = before == 5
        after = dropped.mask(dropped[i])
        assert not (after == 5).any() and np.array_equal(after[~rice], before[~rice])
        if rice.any():  # rice lies on a plate or a bowl: those show where the rice was
            assert set(np.unique(after[rice])) <= {0, 1, 2, 3, 4}
        assert np.array_equal(voided.mask(voided[i])[rice], np.full(int(rice.sum()), 255))
    assert "rice" not in {c.name for c in dropped.labelmap.classes}
    assert dropped.findings[-1].code == "label-dropped" and "class 'rice' (index 5) dropped" in \
        dropped.findings[-1].message


def test_merging_into_another_class_paints_its_pixels_as_that_class():
    ds = food()
    merged = ds.relabel({"bowl": "plate"})
    for i, sample in enumerate(ds):
        before = ds.mask(sample)
        expected = np.where(before == 2, 1, before)
        assert np.array_equal(merged.mask(merged[i]), expected)
    assert "bowl" not in {c.name for c in merged.labelmap.classes}
    assert "merged into 'plate' (index 1)" in merged.findings[-1].message


def test_a_wrong_label_change_is_an_error_naming_it():
    with pytest.raises(UsageError, match="'rcie' is neither a label of the source nor a class.*did you mean 'rice'"):
        food().relabel({"rcie": "grain"})
    with pytest.raises(UsageError, match="a label name maps to a name, None \\(drop\\) or convert.VOID"):
        food().relabel({"rice": 3})
    with pytest.raises(UsageError, match="give \\{old: new\\} pairs"):
        food().relabel({})


def test_a_new_label_map_replaces_the_old_one_and_says_what_changed(tmp_path):
    lm = tmp_path / "lm.yaml"
    lm.write_text("void: 255\nclasses:\n  - {name: background, index: 0, level: 0, fill: true}\n"
                  "  - {name: plate, index: 1, level: 1, aliases: [dish]}\n  - {name: rice, index: 2, level: 2}\n")
    ds = food()
    narrowed = ds.relabel(lm)
    assert [c.name for c in narrowed.labelmap.classes] == ["background", "plate", "rice"]
    note = narrowed.findings[-1]
    assert note.code == "labelmap-replaced"
    assert "re-indexed rice 5→2" in note.message and "left out bowl" in note.message
    assert "source labels it does not know" in note.message and "cup" in note.message
    for i, sample in enumerate(ds):
        before, after = ds.mask(sample), narrowed.mask(narrowed[i])
        assert np.array_equal(after == 2, before == 5) or not (before == 5).any()


def test_diff_at_the_top_level_compares_two_deliveries_and_datasets():
    report = convert.diff(FOOD / "annotations.json", FOOD / "cvat" / "annotations.xml", labels=LABELS)
    assert report.summary()["compared"] == 4
    ds = food()
    assert not convert.diff(ds, ds).changed
    changed = convert.diff(ds, ds.relabel({"rice": None}))
    assert changed.changed and changed.exit_code() == 1
