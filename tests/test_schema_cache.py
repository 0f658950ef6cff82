"""The cache of label maps found valid (convert/model/schemas.py): a document found valid once is not
validated again, anything else always is, and the cache never turns an error into silence."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from convert.errors import SegconvError
from convert.model import schemas

GOOD = {"classes": [{"name": "background", "index": 0, "level": 0, "fill": True},
                    {"name": "plate", "index": 1, "level": 1}]}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SEGCONV_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def jsonschema_calls(monkeypatch):
    """How many times the validator was asked for (each time: jsonschema ran)."""
    calls = []
    real = schemas.validator_of

    def counted(name):
        calls.append(name)
        return real(name)

    monkeypatch.setattr(schemas, "validator_of", counted)
    return calls


def test_a_valid_document_is_validated_once(cache, jsonschema_calls):
    schemas.validate(GOOD, "labelmap")
    schemas.validate(GOOD, "labelmap")
    assert jsonschema_calls == ["labelmap"]
    assert len(list((cache / "valid").iterdir())) == 1


def test_a_changed_document_is_validated_again(cache, jsonschema_calls):
    schemas.validate(GOOD, "labelmap")
    changed = {"classes": [*GOOD["classes"], {"name": "food", "index": 2, "level": 2}]}
    schemas.validate(changed, "labelmap")
    assert jsonschema_calls == ["labelmap", "labelmap"]


def test_types_are_part_of_the_fingerprint(cache):
    """A level of "1" (a string) is not the remembered level 1: the schema refuses it."""
    schemas.validate(GOOD, "labelmap")
    as_text = {"classes": [GOOD["classes"][0], {"name": "plate", "index": 1, "level": "1"}]}
    with pytest.raises(SegconvError, match="classes\\[1\\].level|is not of type"):
        schemas.validate(as_text, "labelmap")


def test_an_invalid_document_is_never_remembered(cache, jsonschema_calls):
    bad = {"classes": [{"name": "plate", "index": 1, "level": -1}]}
    for _ in range(2):
        with pytest.raises(SegconvError, match="minimum"):
            schemas.validate(bad, "labelmap")
    assert jsonschema_calls == ["labelmap", "labelmap"]
    assert not (cache / "valid").exists()


def test_off_validates_every_time_and_writes_nothing(tmp_path, monkeypatch, jsonschema_calls):
    monkeypatch.setenv("SEGCONV_CACHE", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    schemas.validate(GOOD, "labelmap")
    schemas.validate(GOOD, "labelmap")
    assert jsonschema_calls == ["labelmap", "labelmap"]
    assert not (tmp_path / "xdg").exists()


def test_default_folder_follows_xdg(tmp_path, monkeypatch):
    monkeypatch.delenv("SEGCONV_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert schemas.cache_folder() == tmp_path / "xdg" / "segconv"


def test_a_file_in_place_of_the_folder_is_no_error(tmp_path, monkeypatch, jsonschema_calls):
    """A cache 'folder' that is a file cannot be written (by root either): the run validates each time."""
    blocker = tmp_path / "cache"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SEGCONV_CACHE", str(blocker))
    schemas.validate(GOOD, "labelmap")
    schemas.validate(GOOD, "labelmap")
    assert jsonschema_calls == ["labelmap", "labelmap"]


def test_a_second_run_imports_neither_jsonschema_nor_yaml(tmp_path):
    """What the cache is for: the second load of the bundled example's map imports neither jsonschema nor
    the YAML parser."""
    env = dict(os.environ, SEGCONV_CACHE=str(tmp_path / "cache"))
    script = ("import sys; from convert.model.labelmap import LabelMap; "
              "LabelMap.load('fixtures/food/labelmap.yaml'); print('jsonschema' in sys.modules, 'yaml' in sys.modules)")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=root,
                           check=True).stdout.strip() for _ in range(2)]
    assert runs == ["True True", "False False"]


def test_a_valid_yaml_map_is_parsed_once(cache, tmp_path, monkeypatch):
    """The second load of the same YAML text takes what it parsed to from the cache: same label map."""
    from convert.model.labelmap import LabelMap

    path = tmp_path / "labels.yaml"
    path.write_text("classes:\n  - {name: background, index: 0, level: 0, fill: true}\n"
                    "  - {name: plate, index: 1, level: 1, aliases: [dish]}\n")
    first = LabelMap.load(path)
    assert len(list((cache / "parsed").iterdir())) == 1
    import yaml

    monkeypatch.setattr(yaml, "safe_load", lambda text: pytest.fail("parsed again"))
    second = LabelMap.load(path)
    assert second == first and second.resolve("dish") == first.resolve("dish")


def test_a_changed_yaml_map_is_parsed_again(cache, tmp_path):
    from convert.model.labelmap import LabelMap

    path = tmp_path / "labels.yaml"
    path.write_text("classes:\n  - {name: background, index: 0, level: 0, fill: true}\n")
    LabelMap.load(path)
    path.write_text("classes:\n  - {name: background, index: 0, level: 0, fill: true}\n"
                    "  - {name: plate, index: 1, level: 1}\n")
    assert [c.name for c in LabelMap.load(path).classes] == ["background", "plate"]


def test_an_invalid_yaml_map_is_never_remembered(cache, tmp_path):
    from convert.model.labelmap import LabelMap

    path = tmp_path / "labels.yaml"
    path.write_text("classes:\n  - {name: plate, index: 1, level: 1}\n  - {name: plate, index: 2, level: 1}\n")
    for _ in range(2):
        with pytest.raises(SegconvError):
            LabelMap.load(path)
    assert not (cache / "parsed").exists()


def test_a_map_json_cannot_give_back_is_not_remembered(cache):
    """A YAML date, or a key that is not a string, would come back from JSON as something else."""
    import datetime

    schemas.remember_document("a", "labelmap", {"classes": [], "made": datetime.date(2024, 1, 2)})
    schemas.remember_document("b", "labelmap", {"classes": [], 1: "one"})
    schemas.remember_document("c", "labelmap", {"classes": [], "x": float("nan")})
    assert not (cache / "parsed").exists() or not list((cache / "parsed").iterdir())


def test_a_damaged_entry_is_parsed_again(cache, tmp_path):
    from convert.model.labelmap import LabelMap

    path = tmp_path / "labels.yaml"
    path.write_text("classes:\n  - {name: background, index: 0, level: 0, fill: true}\n")
    LabelMap.load(path)
    (entry,) = (cache / "parsed").iterdir()
    entry.write_text('{"classes": [')
    assert [c.name for c in LabelMap.load(path).classes] == ["background"]
