"""The finding-code registry: one module per family, every code used somewhere, every used code documented."""

import re

from convert.findings import codes

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


def test_a_severity_set_at_the_call_site_is_documented_in_the_codes_entry():
    """Findings take their code's severity; the few that set another say so in the code's summary."""
    seen: list[str] = []
    for path in (ROOT / "convert").rglob("*.py"):
        text = path.read_text()
        calls = [(re.match(r'\s*"([a-z-]+)"', call), call) for call in text.split("Finding(")[1:]]
        calls += [(re.match("", "missing-image"), call) for call in text.split("missing_image(")[1:]]  # its own
        for code, call in calls:
            given = re.search(r"severity=Severity\.([A-Z]+)", call[:600])
            if not code or not given:
                continue
            code, severity = code.group(1) if code.groups() else code.string, given.group(1).lower()
            seen.append(code)
            if severity != codes.CODES[code].severity.value:
                assert f"{'an' if severity[0] in 'aeiou' else 'a'} {severity}" in codes.CODES[code].summary, \
                    (path.name, code, severity)
    assert seen.count("missing-image") == 8  # the checker sees every override, also through missing_image()
