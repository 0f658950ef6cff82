"""mmsegmentation's ``BaseSegDataset`` layout read back (``docs/formats.md``, "mmsegmentation")::

    img_dir/<split>/<stem>.<ext>    the photos
    ann_dir/<split>/<stem>.png      8-bit annotations: value = class, ignore_index (255) = void
    labelmap.json                   segconv's label map (``--to mmseg`` writes it), or
    mmseg_dataset.py (or another config *.py)   metainfo = dict(classes=(...), palette=[...])

The classes come from segconv's ``labelmap.json`` when it is there (levels, fill class and void exactly as
written); else from the config's ``metainfo``, read as Python *literals* with :mod:`ast` (a config is never
run): value v is ``classes[v]``, or with ``reduce_zero_label = True`` value 0 is void and value v is
``classes[v - 1]`` (what mmsegmentation's ``LoadAnnotations`` does: 0 becomes 255, every value one less);
``ignore_index`` (255 unless the config says otherwise) is void.  Without either, the layout has no class
names, and the error says to put the dataset's config beside ``ann_dir/``.

    >>> meta = config_metainfo("metainfo = dict(classes=('road', 'car'), palette=[[1, 2, 3], [4, 5, 6]])\\n"
    ...                        "reduce_zero_label = True\\n", "cfg.py")
    >>> meta.classes, meta.palette, meta.reduce_zero_label, meta.ignore_index
    (['road', 'car'], [(1, 2, 3), (4, 5, 6)], True, 255)
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from convert.errors import SegconvError
from convert.formats.color_masks import mask_folders as layout
from convert.formats.color_masks.class_tables import Row, Table
from convert.formats.color_masks.read import ColorMasksDataset
from convert.formats.dataset import IndexedDataset
from convert.limits import DEFAULT_MAX_PIXELS

NAME = "mmseg"
ANNOTATIONS, PHOTOS, CONFIG = "ann_dir", "img_dir", "mmseg_dataset.py"
IGNORE_INDEX = 255


@dataclass
class Metainfo:
    """What a config says about the classes: names, colours, and the two value rules."""

    classes: list[str]
    palette: list[tuple[int, int, int]] = field(default_factory=list)
    reduce_zero_label: bool = False
    ignore_index: int = IGNORE_INDEX


def config_file(root: Path) -> Path | None:
    """segconv's ``mmseg_dataset.py``, else the first ``*.py`` of ``root`` that assigns ``metainfo``."""
    if (root / CONFIG).is_file():
        return root / CONFIG
    for candidate in sorted(root.glob("*.py")):
        try:
            if "metainfo" in candidate.read_text(encoding="utf-8", errors="replace"):
                return candidate
        except OSError:
            continue
    return None


def detect(path: Path) -> str | None:
    if not path.is_dir() or not (path / ANNOTATIONS).is_dir():
        return None
    if not ((path / PHOTOS).is_dir() or (path / "labelmap.json").is_file() or config_file(path) is not None):
        return None
    first = next((path / ANNOTATIONS).rglob("*.png"), None)
    return None if first is None else f"an mmsegmentation layout ({first.relative_to(path).as_posix()})"


def config_metainfo(text: str, source: str) -> Metainfo:
    """``metainfo``, ``reduce_zero_label`` and ``ignore_index`` assigned at the top of a config, as literals."""
    try:
        tree = ast.parse(text, filename=source)
    except SyntaxError as exc:
        raise SegconvError(f"not a Python config: {exc.msg}", file=source, line=exc.lineno) from None
    values: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            values[node.targets[0].id] = node.value
    if "metainfo" not in values:
        raise SegconvError("no 'metainfo = dict(classes=...)' at the top of the config", file=source)
    meta = values["metainfo"]
    if isinstance(meta, ast.Call) and isinstance(meta.func, ast.Name) and meta.func.id == "dict" and not meta.args:
        fields = {k.arg: k.value for k in meta.keywords if k.arg is not None}
    elif isinstance(meta, ast.Dict):
        fields = {k.value: v for k, v in zip(meta.keys, meta.values)
                  if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    else:
        raise SegconvError("metainfo must be dict(classes=..., palette=...) or a {...} literal", file=source,
                           element="metainfo", line=meta.lineno)

    def literal(key: str, node: ast.expr):
        try:
            return ast.literal_eval(node)
        except (ValueError, SyntaxError):
            raise SegconvError(f"{key} must be a literal (segconv reads configs, it does not run them)",
                               file=source, element=key, line=node.lineno) from None

    if "classes" not in fields:
        raise SegconvError("metainfo has no 'classes'", file=source, element="metainfo", line=meta.lineno)
    classes = literal("metainfo.classes", fields["classes"])
    if not isinstance(classes, (list, tuple)) or not classes or not all(isinstance(c, str) and c for c in classes):
        raise SegconvError("metainfo.classes must be a non-empty list of names", file=source,
                           element="metainfo.classes", line=fields["classes"].lineno)
    palette: list[tuple[int, int, int]] = []
    if "palette" in fields:
        raw = literal("metainfo.palette", fields["palette"])
        ok = isinstance(raw, (list, tuple)) and len(raw) == len(classes) and all(
            isinstance(c, (list, tuple)) and len(c) == 3 and all(isinstance(v, int) and 0 <= v <= 255 for v in c)
            for c in raw)
        if not ok:
            raise SegconvError(f"metainfo.palette must hold one [r, g, b] (0..255) per class ({len(classes)})",
                               file=source, element="metainfo.palette", line=fields["palette"].lineno)
        palette = [(c[0], c[1], c[2]) for c in raw]
    reduce = literal("reduce_zero_label", values["reduce_zero_label"]) if "reduce_zero_label" in values else False
    ignore = literal("ignore_index", values["ignore_index"]) if "ignore_index" in values else IGNORE_INDEX
    if not isinstance(reduce, bool) or not isinstance(ignore, int) or isinstance(ignore, bool):
        raise SegconvError("reduce_zero_label must be True or False and ignore_index an integer", file=source)
    return Metainfo(list(classes), palette, reduce, ignore)


class MmsegDataset(ColorMasksDataset):
    """One sample per ``ann_dir/**/*.png``, its photo under ``img_dir/``."""

    format = NAME

    def __init__(self, path: str | Path, *, images: str | Path | None = None,
                 max_pixels: int = DEFAULT_MAX_PIXELS, **_):
        root = Path(path)
        if detect(root) is None:
            raise SegconvError(f"not an mmsegmentation layout: no {ANNOTATIONS}/ with PNGs beside {PHOTOS}/, "
                               f"labelmap.json or a config with metainfo", file=str(root))
        self.root = root
        self.colours = False
        self.images = Path(images) if images else None
        self.max_pixels = max_pixels
        self.entries = [m for m in layout.masks(root) if m.file.is_relative_to(root / ANNOTATIONS)]
        self.key_names: dict[int, str | None] = {}
        own = root / "labelmap.json"
        config = config_file(root)
        if own.is_file():
            labelmap = self.own_classes(own)
        else:
            if config is None:
                raise SegconvError(f"no class names: neither labelmap.json nor a config with metainfo (mmsegmentation "
                                   f"keeps the classes in the dataset's config: put it beside {ANNOTATIONS}/)",
                                   file=str(root))
            meta = config_metainfo(config.read_text(encoding="utf-8", errors="replace"), str(config))
            source = f"{config.name}'s metainfo"
            shift = 1 if meta.reduce_zero_label else 0
            rows = [Row(name, k, meta.palette[k] if meta.palette else None, 0) for k, name in enumerate(meta.classes)]
            self.table = Table(rows, source, "none")
            labelmap = self.table.labelmap()
            self.value_names = {k + shift: name for k, name in enumerate(meta.classes)}
            self.value_names[meta.ignore_index] = None
            if shift:
                self.value_names[0] = None  # reduce_zero_label: value 0 is ignored, as mmsegmentation does
            self.rows_text = f"{source} ({len(meta.classes)} classes{', reduce_zero_label' if shift else ''})"
        self.own_labelmap = labelmap
        if not self.entries:
            raise SegconvError(f"no masks: {ANNOTATIONS}/ holds no *.png", file=str(root))
        IndexedDataset.__init__(self, str(root), [], self.own_labelmap)
