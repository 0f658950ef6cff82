"""The finding-code registry: one module per family, every code used somewhere, every used code documented."""

import re

from convert import codes

from conftest import ROOT


def test_each_code_lives_in_its_familys_module_once():
    seen = set()
    for family in ("labels", "levels", "completeness", "geometry", "files"):
        for info in getattr(codes, family).TABLE:
            assert info.family == family, info.code
            assert info.code not in seen
            seen.add(info.code)
    assert seen == set(codes.CODES)


def test_every_code_the_source_raises_is_documented_and_every_documented_code_is_raised():
    source = "\n".join(p.read_text() for p in (ROOT / "convert").rglob("*.py") if "codes" not in p.parts)
    raised = set(re.findall(r'(?:Finding\(|report\(|note\(|add\()\s*"([a-z]+(?:-[a-z]+)+)"', source))
    assert raised - set(codes.CODES) == set(), "raised but not documented"
    mentioned = {code for code in codes.CODES if f'"{code}"' in source}
    assert set(codes.CODES) - mentioned == set(), "documented but never raised"


def test_explain_states_the_severity_the_findings_carry():
    from convert.findings import Finding

    for code, info in codes.CODES.items():
        assert Finding(code, "x").severity is info.severity
        assert f"({info.family}, {info.severity.value})" in codes.explain(code)
