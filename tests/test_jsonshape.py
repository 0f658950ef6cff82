"""The lazy JSON structure walk that detection reads: the keys it reports equal those of the parsed document
(objects whole, the first element of each list, down to DEPTH), whatever the strings, escapes, spacing and
chunk boundaries; a truncated file gives what was read before the cut."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from convert.files import json_shape as jsonshape
from convert.files.json_shape import DEPTH, Shape

KEYS = st.text(alphabet='ab"\\{}[],: é\n', min_size=0, max_size=4)
LEAVES = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
          | st.text(alphabet='x"\\{}[],: é', max_size=6))
DOCS = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
                    max_leaves=30)


def expected_keys(value, path=()):
    """Every key the walk reports, in document order, from the parsed document."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield path + (key,)
            if len(path) + 1 <= DEPTH and isinstance(inner, (dict, list)):
                yield from expected_keys(inner, path + (key,))
    elif isinstance(value, list) and value and len(path) + 1 <= DEPTH and isinstance(value[0], (dict, list)):
        yield from expected_keys(value[0], path + (0,))


@settings(max_examples=300, deadline=None)
@given(doc=st.lists(DOCS, max_size=3) | st.dictionaries(KEYS, DOCS, max_size=4), indent=st.sampled_from([None, 1]),
       chunk=st.sampled_from([1, 2, 7, 64]))
def test_keys_equal_the_parsed_documents(tmp_path_factory, doc, indent, chunk):
    path = tmp_path_factory.mktemp("shape") / "d.json"
    path.write_text(json.dumps(doc, indent=indent, ensure_ascii=False), encoding="utf-8")
    old, jsonshape.CHUNK = jsonshape.CHUNK, chunk  # strings, escapes and tokens cut at every boundary
    try:
        found = Shape(path)
        keys = [p for p, kind in found.events() if kind == "key"]
    finally:
        jsonshape.CHUNK = old
    assert found.top == ("list" if isinstance(doc, list) else "object")
    assert keys == list(expected_keys(doc))


def test_a_truncated_file_gives_what_was_read(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text('[{"data": {"image": "a.jpg"}, "annotations": [{"resu')
    found = Shape(path)
    assert found.keys_of((0,)) == ["data", "annotations"]
    assert not found.has((0, "annotations", 0, "result"))
