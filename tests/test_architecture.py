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
    assert "convert.api" in imports_of("convert.cli.commands")
    assert "convert.findings.codes" in imports_of("convert.findings")
    assert "convert.files.json_source" in imports_of("convert.formats.coco.instances")


def test_no_import_circles():
    assert circles() == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_over_450_lines(name):
    lines = MODULES[name].read_text().count("\n")
    assert lines <= MAX_LINES, f"{MODULES[name].relative_to(ROOT)} has {lines} lines; split it by concept"


def test_each_format_is_one_registry_entry():
    """READERS lives in formats/readers.py, WRITERS in formats/writers.py: one line each, pointing into the
    format's own folder: formats/<name>/read.py, formats/<name>/write.py."""
    from convert.formats.readers import READERS
    from convert.formats.writers import WRITERS

    for registry, module, kind in ((READERS, "readers", "Reader"), (WRITERS, "writers", "Entry")):
        text = (PACKAGE / "formats" / f"{module}.py").read_text()
        assert text.count(f"    {kind}(") == len(registry)
        for name, entry in registry.items():
            assert text.count(f'{kind}("{name}"') == 1, f"{module}: {name} is registered more than once"
            where = entry.where.partition(":")[0].split(".")
            assert where[:2] == ["convert", "formats"] and len(where) == 4, entry.where
            assert where[3] == ("read" if kind == "Reader" else "write"), entry.where
            assert (PACKAGE.joinpath(*where[1:]).with_suffix(".py")).is_file(), entry.where


def test_readers_index_entries_and_the_base_class_walks_them():
    """Length, indexing, iteration and names() are written once (formats/dataset.py ``IndexedDataset``): a
    reader says how to build one entry's sample and name, never how to walk its list."""
    walking = {"__len__", "__getitem__", "__iter__", "names"}
    offences = []
    for path in sorted((PACKAGE / "formats").glob("*/*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and node.name == "CocoSource":
                continue  # several COCO files read as one: it walks its parts, each a CocoDataset
            if isinstance(node, ast.ClassDef) and node.name.endswith(("Dataset", "Source")):
                offences += [f"{path.parent.name}/{path.name}: {node.name}.{f.name}" for f in node.body
                             if isinstance(f, ast.FunctionDef) and f.name in walking]
    assert offences == []


def one_letter_apart(a: str, b: str) -> bool:
    """One letter changed, added or dropped: ``run``/``runs``, ``writer``/``writers``, ``findings``/``windings``."""
    if len(a) > len(b):
        a, b = b, a
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b)) == 1
    return len(b) == len(a) + 1 and any(b[:i] + b[i + 1:] == a for i in range(len(b)))


def test_no_two_names_in_the_package_differ_by_one_letter():
    """A reader tells modules and folders apart at a glance: no two names one typo apart, anywhere in the
    package (a folder's name counts as a module's: ``findings/`` beside ``windings.py`` was one)."""
    names = {p.stem for p in PACKAGE.rglob("*.py")} | {p.name for p in PACKAGE.rglob("*") if p.is_dir()}
    names -= {"__init__", "__main__", "__pycache__"}
    assert one_letter_apart("write", "writer") and one_letter_apart("findings", "windings")
    close = sorted((a, b) for a in names for b in names if a < b and one_letter_apart(a, b))
    assert close == []


def test_one_name_is_one_concept():
    """Two modules share a name only when they are the same kind of thing: a format's ``read.py`` and
    ``write.py``.  (``splits.py`` was both --split's hashing and YOLO's data.yaml keys.)"""
    from collections import Counter

    stems = Counter(p.stem for p in PACKAGE.rglob("*.py") if p.stem not in ("__init__", "__main__", "read", "write"))
    assert [stem for stem, n in stems.items() if n > 1] == []


# Layers, lowest first.  A module may import its own layer and the layers before it, never one after it.
# ``convert`` itself (the package, whose names are lazy) and imports made only for type checking are free.
LAYERS = ["bottom", "files", "findings", "pixels", "model", "painting", "checks", "formats", "reports", "pipeline",
          "api", "cli"]
BOTTOM = {"errors", "wording", "suggest", "limits"}


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] == "__main__":
        return None
    return "bottom" if parts[1] in BOTTOM else parts[1]


def runtime_imports_of(name: str) -> set[str]:
    """Like imports_of, leaving out ``if TYPE_CHECKING:`` blocks (never executed)."""
    path = MODULES[name]
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            node.body = []
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
            for alias in node.names:
                target = f"{base}.{alias.name}"
                found.add(target if target in MODULES else base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m for m in found if m in MODULES and m != name}


def test_every_module_is_in_a_layer():
    unknown = {name for name in MODULES if layer_of(name) not in (None, *LAYERS)}
    assert unknown == set(), "add the folder to LAYERS (and to docs/design.md) or move the module"


def test_imports_only_go_down_the_layers():
    upward = []
    for name in sorted(MODULES):
        mine = layer_of(name)
        if mine is None:
            continue
        for target in runtime_imports_of(name):
            theirs = layer_of(target)
            if theirs is not None and LAYERS.index(theirs) > LAYERS.index(mine):
                upward.append(f"{name} ({mine}) imports {target} ({theirs})")
    assert upward == []


def test_the_top_of_the_package_is_small_and_every_layer_says_what_it_may_import():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 12, top
    for folder in sorted(p for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").is_file()):
        doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text()))
        assert doc and "Layer:" in doc and "import" in doc, f"{folder.name}/__init__.py: say what the layer is " \
                                                             "and what it may import"
    for folder in sorted(p for p in (PACKAGE / "formats").iterdir() if p.is_dir() and p.name != "__pycache__"):
        doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text()))
        assert doc and 'docs/formats.md``, "' in doc, f"formats/{folder.name}/__init__.py: cite its section"


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
    modules = [*(PACKAGE / "formats").glob("*/write*.py"), *(PACKAGE / "formats").glob("*.py")]
    assert len(modules) > 15
    for path in sorted(modules):
        if path.name in ("layout_writer.py", "readers.py") or path.name.startswith("read"):
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
