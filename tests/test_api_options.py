"""One frozen RunOptions holds every setting of a run: the command line builds it and calls the library with
it; scripts build it, or pass its fields by name to the call that uses them."""

import dataclasses

import pytest

import convert
from convert import api
from convert.api.run_options import (
    CHECKING,
    READING,
    WRITING,
    ConvertSettings,
    ExportSettings,
    ReadSettings,
    RunOptions,
    ValidateSettings,
)
from convert.errors import UsageError
from convert.findings.severity import Severity

from conftest import FOOD, tree_digest


def test_run_options_are_frozen_and_replace_gives_a_changed_copy():
    opts = RunOptions(to="voc", jobs=2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.jobs = 3  # type: ignore[misc]
    other = opts.replace(jobs=3, link=True)
    assert (opts.jobs, opts.link, other.jobs, other.link, other.to) == (2, False, 3, True, "voc")
    assert opts == RunOptions(to="voc", jobs=2) and hash(opts) == hash(RunOptions(to="voc", jobs=2))
    with pytest.raises(TypeError):
        opts.format_options["rows"] = "x"  # type: ignore[index]


@pytest.mark.parametrize("settings, words", [
    ({"to": "yollo"}, "unknown output layout 'yollo'"),
    ({"fmt": "cvatt"}, "unknown input format 'cvatt'"),
    ({"rule": "opencv"}, "unknown pixel rule 'opencv'"),
    ({"coco_mode": "panoptic"}, "unknown --coco-mode 'panoptic'"),
    ({"jobs": 0}, "--jobs must be at least 1"),
    ({"jobs": 1.5}, "--jobs must be a whole number"),
    ({"max_pixels": 0}, "--max-pixels must be at least 1"),
    ({"fail_on": "fatal"}, "--fail-on 'fatal'"),
    ({"split": "train=x"}, "'x' is not a number"),
    ({"split_by": "colour"}, "--split-by 'colour'"),
    ({"format_options": ["rows=x"]}, "format_options (-O) is a mapping"),
])
def test_a_wrong_value_fails_when_the_object_is_made(settings, words):
    with pytest.raises(UsageError) as caught:
        RunOptions(**settings)
    assert words in str(caught.value)


def test_values_are_kept_in_one_form():
    opts = RunOptions(split={"train": 3, "val": 1}, fail_on="warning", format_options={"rows": "pycocotools"})
    assert opts.split == "train=3,val=1" and opts.splitter().shares == {"train": 0.75, "val": 0.25}
    assert opts.fail_on is Severity.WARNING and opts.threshold() is Severity.WARNING
    assert RunOptions(strict=True).threshold() is Severity.WARNING and RunOptions().threshold() is Severity.ERROR
    assert dict(opts.format_options) == {"rows": "pycocotools"}


def test_each_call_takes_the_settings_it_uses_by_name(tmp_path):
    with pytest.raises(TypeError, match="RunOptions has no field 'lables'; did you mean 'labels'"):
        RunOptions().replace(lables="x")
    with pytest.raises(TypeError, match="RunOptions has no field 'labls'; did you mean 'labels'"):
        RunOptions(labls="x")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="convert\\(\\) has no setting 'lables'; did you mean 'labels'"):
        api.convert(FOOD / "annotations.json", tmp_path / "o", lables=FOOD / "labelmap.yaml")
    with pytest.raises(TypeError, match="validate\\(\\) has no setting 'to'; it is a setting of writing"):
        api.validate(FOOD / "annotations.json", to="voc")
    with pytest.raises(TypeError, match="inspect\\(\\) has no setting 'jobs'; it is a setting of a run"):
        api.inspect(FOOD / "annotations.json", jobs=2)
    with pytest.raises(TypeError, match="options must be a RunOptions, not dict .*format_options="):
        api.convert(FOOD / "annotations.json", tmp_path / "o", {"rows": "pycocotools"})  # type: ignore[arg-type]
    assert not (tmp_path / "o").exists()


def test_options_and_keywords_give_the_same_run(tmp_path):
    opts = RunOptions(to="voc", labels=FOOD / "labelmap.yaml")
    by_object = api.convert(FOOD / "annotations.json", tmp_path / "a", opts)
    by_name = api.convert(FOOD / "annotations.json", tmp_path / "b", to="voc", labels=FOOD / "labelmap.yaml")
    mixed = api.convert(FOOD / "annotations.json", tmp_path / "c", RunOptions(to="png"), to="voc",
                        labels=FOOD / "labelmap.yaml")  # keywords change the object's fields
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b") == tree_digest(tmp_path / "c")
    assert by_object.written == by_name.written == mixed.written == 4
    checked = api.validate(FOOD / "annotations.json", opts)  # validate takes a convert's options whole
    assert checked.images == 4 and checked.labelmap == by_object.labelmap


def test_the_typed_keywords_are_the_fields():
    fields = {f.name for f in dataclasses.fields(RunOptions)}
    assert fields == READING | CHECKING | WRITING and not READING & CHECKING and not CHECKING & WRITING
    assert set(ConvertSettings.__annotations__) == fields
    assert set(ValidateSettings.__annotations__) == READING | CHECKING
    assert set(ExportSettings.__annotations__) == CHECKING | WRITING | {"format_options"}  # the writer's -O
    assert set(ReadSettings.__annotations__) == READING
    assert convert.RunOptions is RunOptions


def _captured(monkeypatch, name):
    """Run the typer app in this process with api.<name> replaced; return what it was called with."""
    from convert.cli.commands import _command

    seen = {}

    def fake(*args, **kwargs):
        seen["args"], seen["kwargs"] = args, kwargs
        raise SystemExit(0)

    def invoke(*argv):
        with pytest.raises(SystemExit):
            _command().main(args=list(argv), standalone_mode=False)

    monkeypatch.setattr(api, name, fake)
    return seen, invoke


def test_segconv_convert_builds_the_options_and_calls_the_library(monkeypatch, tmp_path):
    seen, invoke = _captured(monkeypatch, "convert")
    invoke("convert", str(FOOD / "annotations.json"), "-o", str(tmp_path / "o"), "--to", "YOLO", "--labels",
           str(FOOD / "labelmap.yaml"), "--split", "train=0.8,val=0.2", "--seed", "3", "-O", "rows=pycocotools",
           "--strict", "-j", "2", "--link", "--json", str(tmp_path / "r.json"))
    (src, out, options), kwargs = seen["args"], seen["kwargs"]
    assert options == RunOptions(to="yolo", labels=FOOD / "labelmap.yaml", split="train=0.8,val=0.2", seed=3,
                                 format_options={"rows": "pycocotools"}, strict=True, jobs=2, link=True,
                                 json_path=tmp_path / "r.json")
    assert (str(src), str(out)) == (str(FOOD / "annotations.json"), str(tmp_path / "o"))
    assert set(kwargs) == {"progress", "profile"}


def test_segconv_validate_and_inspect_build_the_options(monkeypatch):
    seen, invoke = _captured(monkeypatch, "validate")
    invoke("validate", str(FOOD / "annotations.json"), "--fail-on", "warning", "--rule", "labelme")
    assert seen["args"][1] == RunOptions(fail_on=Severity.WARNING, rule="labelme")
    seen, invoke = _captured(monkeypatch, "inspect")
    invoke("inspect", str(FOOD / "annotations.json"), "--from", "coco", "--max-pixels", "100")
    assert seen["args"][1] == RunOptions(fmt="coco", max_pixels=100)
