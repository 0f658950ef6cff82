"""The house rules that keep the code readable as formats are added: no import circles, no module over
450 lines, every reader and writer registered in one entry each (see CONTRIBUTING.md)."""

import ast

import pytest

from conftest import ROOT

PACKAGE = ROOT / "convert"
MAX_LINES = 450


def module_name(path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports_of(name: str) -> set[str]:
    """Every module of the package that ``name`` imports, at the top or inside a function."""
    path = MODULES[name]
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                prefix = package[: len(package) - node.level + 1]
                base = ".".join(prefix + ([node.module] if node.module else []))
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in MODULES else base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    # a module importing its own package (``from . import x`` resolving to the package) is not a circle
    return {m for m in found if m in MODULES and m != name and not name.startswith(m + ".")}


def circles() -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    graph = {name: imports_of(name) for name in MODULES}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for name in graph:
        if name not in index:
            visit(name)
    return out


def test_the_checker_sees_imports_both_ways():
    assert "convert.api" in imports_of("convert.cli")
    assert "convert.codes" in imports_of("convert.findings")
    assert "convert.importers.jsonfile" in imports_of("convert.importers.coco")


def test_no_import_circles():
    assert circles() == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_over_450_lines(name):
    lines = MODULES[name].read_text().count("\n")
    assert lines <= MAX_LINES, f"{MODULES[name].relative_to(ROOT)} has {lines} lines; split it by concept"


def test_each_format_is_one_registry_entry():
    from convert.exporters import WRITERS
    from convert.importers import READERS

    for registry, folder, kind in ((READERS, "importers", "Reader"), (WRITERS, "exporters", "Entry")):
        text = (PACKAGE / folder / "__init__.py").read_text()
        assert text.count(f"    {kind}(") == len(registry)
        for name, entry in registry.items():
            assert text.count(f'{kind}("{name}"') == 1, f"{folder}: {name} is registered more than once"
            assert (PACKAGE / folder / f"{entry.where.partition(':')[0].rsplit('.', 1)[-1]}.py").is_file()


def test_docstrings_cite_documents_that_are_in_the_repository():
    """Citations of docs/formats.md name one of its sections; nothing cites files a clone does not have."""
    import re

    headings = set(re.findall(r"^## (.+)$", (ROOT / "docs" / "formats.md").read_text(), re.M))
    cited = 0
    for path in [*PACKAGE.rglob("*.py"), *(ROOT / "tests").glob("*.py")]:
        if path.name == "test_architecture.py":
            continue
        text = path.read_text()
        assert not re.search(r"(?<!docs/)\bformats\.md|PRODUCT\.md|next-formats\.md|user-pain\.md", text), path
        for section in re.findall(r'docs/formats\.md``?,? \(?"([^"]+)"', text):
            assert section in headings, (path.name, section)
            cited += 1
    assert cited >= 8


WRITING = {"open": 0, "open_atomic": 0, "write_text": 0, "write_bytes": 0, "replace": 1, "rename": 1, "symlink": 1,
           "copyfile": 1, "copy": 1, "copy2": 1, "mkdir": None, "makedirs": 0}


def test_writers_create_files_only_through_the_base_class():
    """A writer's per-image files are staged by LayoutWriter (put, place_image) and placed by the run loop;
    the files of the whole set and working files are named through self.scratch / self.write_file first, so
    every file is listed in the manifest before it exists (an interrupted run leaves nothing unlisted)."""
    offences = []
    for path in sorted((PACKAGE / "exporters").glob("*.py")):
        if path.name == "base.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name not in WRITING or name == "mkdir":
                continue
            if name == "open" and (len(node.args) < 2 or not isinstance(node.args[1], ast.Constant)
                                   or node.args[1].value in ("r", "rb")):
                continue  # reading
            position = WRITING[name]
            target = node.args[position] if position is not None and len(node.args) > position else None
            named = (isinstance(target, ast.Call) and isinstance(target.func, ast.Attribute)
                     and target.func.attr == "scratch")
            if not named:
                offences.append(f"{path.name}:{node.lineno} {name}(...)")
    assert offences == []
