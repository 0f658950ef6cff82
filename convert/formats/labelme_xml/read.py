"""MIT LabelMe XML (CSAIL LabelMe web tool; ``docs/formats.md``, "MIT LabelMe XML"): one XML per image.

SRC is a LabelMe collection (``Annotations/<folder>/*.xml`` beside
``Images/`` and ``Masks/``), a folder of XML files (Datumaro's layout, with
``Masks/`` beside them) or one XML file.  Objects are painted in file order:

- ``<polygon>`` with ``<pt><x/><y/></pt>``: a polygon, coordinates read as
  they are (the base is not stated; MATLAB's ``poly2mask`` may sit one pixel
  off a 0-based reading);
- ``<type>bounding_box</type>``: a box from the min/max of its points;
- ``<segm><mask>``: a PNG under ``Masks/<folder>/`` (or ``Masks/``); RGBA masks
  are the pixels with alpha > 0, others the non-zero pixels; a mask smaller
  than the image is placed at its ``<box>``;
- ``<deleted>1</deleted>`` objects are skipped and reported (info);
- ``<parts>``: each part tree is one instance (``ispartof`` followed to its root).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from convert.errors import SegconvError
from convert.files.images import ImageProblem, open_image, oriented_size
from convert.files.safe_xml import line_of, parse_file, root_tag
from convert.findings import Finding
from convert.findings.missing_image import missing_image
from convert.formats.dataset import FileDataset
from convert.limits import DEFAULT_MAX_PIXELS
from convert.model.names import unsafe_reason
from convert.model.sample import Bitmap, Box, Origin, Polygon, Region, Sample

NAME = "labelme-xml"


_MIT_TAG = re.compile(rb"<(?:imagesize|polygon|segm)[\s>/]")


def _is_mit(path: Path) -> bool:
    if path.suffix.lower() != ".xml" or root_tag(path) != "annotation":
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
    except OSError:
        return False
    # whole tags: VOC's <segmented> is no <segm> (a VOC file without objects has no <bndbox> to tell it by)
    return b"<bndbox" not in head and _MIT_TAG.search(head) is not None


def _xml_files(path: Path) -> tuple[Path, list[Path]]:
    """(annotations root, XML files) of a source."""
    if path.is_file():
        base = path.parent
        for ancestor in (path.parent, path.parent.parent):  # a file inside a LabelMe collection
            if ancestor.name == "Annotations":
                base = ancestor
        return base, [path] if _is_mit(path) else []
    base = path / "Annotations" if (path / "Annotations").is_dir() else path
    files = sorted(p for p in base.rglob("*.xml") if _is_mit(p))
    return base, files


def detect(path: Path) -> str | None:
    if not path.exists():
        return None
    _, files = _xml_files(path)
    if not files:
        return None
    return "an MIT LabelMe XML file" if path.is_file() else f"a folder of MIT LabelMe XML files ({len(files)})"


def _num(element, tag) -> float | None:
    text = element.findtext(tag)
    try:
        return float(text) if text is not None and text.strip() else None
    except ValueError:
        return None


class LabelmeXmlDataset(FileDataset):
    format = NAME

    def __init__(self, path: str | Path, *, max_pixels: int = DEFAULT_MAX_PIXELS, **_):
        src = Path(path)
        self.base, self.files = _xml_files(src)
        if not self.files:
            raise SegconvError("no MIT LabelMe XML files found", file=str(src))
        self.collection = self.base.parent if self.base.name == "Annotations" else self.base
        self.max_pixels = max_pixels
        super().__init__(str(src), [])

    def labels_in(self, file: Path) -> list[str]:
        try:
            root = parse_file(file)
        except SegconvError:
            return []
        return [name for obj in root.findall("object")
                if (name := (obj.findtext("name") or "").strip()) and (obj.findtext("deleted") or "0").strip() != "1"]

    def sample(self, file: Path) -> Sample:
        rel = file.relative_to(self.base).as_posix()
        findings: list[Finding] = []
        origin = Origin(str(file))
        name = rel

        def unusable(finding: Finding) -> Sample:
            findings.append(finding)
            return Sample(name, 0, 0, [], origin, findings=findings, usable=False)

        try:
            root = parse_file(file)
        except SegconvError as exc:
            return unusable(Finding("unreadable-file", exc.message if exc.line is None else
                                    f"line {exc.line}: {exc.message}", file=str(file), image=name))
        filename = (root.findtext("filename") or "").strip()
        folder = (root.findtext("folder") or "").strip()
        stem = rel[: -len(".xml")]
        ext = "." + filename.rsplit(".", 1)[-1] if "." in filename else ""
        name = stem + ext

        image = self._image_path(folder, filename, file)
        declared = None
        size_el = root.find("imagesize")
        if size_el is not None:
            rows, cols = _num(size_el, "nrows"), _num(size_el, "ncols")
            if rows and cols and rows > 0 and cols > 0:
                declared = (int(cols), int(rows))
        real = None
        if image is not None:
            try:
                real = oriented_size(image, self.max_pixels)
            except ImageProblem as exc:
                findings.append(missing_image(subject=image.name, problem=exc, file=str(file), image=name))
        if real and declared and image is not None and real != declared:
            findings.append(Finding("image-size-mismatch", f"<imagesize> says {declared[0]}x{declared[1]} but "
                                    f"{image.name} is {real[0]}x{real[1]}; the image's size is used",
                                    file=str(file), image=name, element="<imagesize>", line=line_of(size_el)))
        size = real or declared
        if size is None:
            return unusable(missing_image("no <imagesize>, so the size is unknown", subject=f"image {filename!r}",
                                          hint=False, file=str(file), image=name))
        width, height = size
        if width * height > self.max_pixels:
            return unusable(Finding("image-too-large", f"{width}x{height} exceeds --max-pixels {self.max_pixels:,}",
                                    file=str(file), image=name))

        objects = root.findall("object")
        parent = {}
        for obj in objects:
            oid = (obj.findtext("id") or "").strip()
            of = (obj.findtext("parts/ispartof") or "").strip()
            if oid and of:
                parent[oid] = of

        def tree_root(oid: str) -> str:
            seen = set()
            while oid in parent and oid not in seen:
                seen.add(oid)
                oid = parent[oid]
            return oid

        regions = []
        for i, obj in enumerate(objects):
            label = (obj.findtext("name") or "").strip()
            oid = (obj.findtext("id") or "").strip() or str(i)
            element = f"<object> id={oid}" + (f" ({label})" if label else "")
            line = line_of(obj)

            def report(code, message, pixels=None, element=element, line=line):
                findings.append(Finding(code, message, file=str(file), image=name, element=element, line=line,
                                        pixels=pixels))

            if (obj.findtext("deleted") or "0").strip() == "1":
                report("deleted-object", "marked deleted; skipped")
                continue
            if not label:
                report("bad-value", "object without a <name>; not painted")
                continue
            geometry = self._geometry(obj, folder, file, width, height, report)
            if geometry is None:
                continue
            attrs: dict = {"occluded": (obj.findtext("occluded") or "").strip() == "yes"}
            text = (obj.findtext("attributes") or "").strip()
            if text:
                attrs["attributes"] = text
            regions.append(Region(label, geometry, (i,), Origin(str(file), element, line),
                                  instance=("part-tree", tree_root(oid)), attributes=attrs))
        return Sample(name, width, height, regions, origin, findings=findings,
                      image_path=str(image) if image else None, size_checked=real is not None)

    def _image_path(self, folder: str, filename: str, xml: Path) -> Path | None:
        if not filename or unsafe_reason(filename) or (folder and unsafe_reason(folder)):
            return None
        for candidate in (self.collection / "Images" / folder / filename, self.collection / "Images" / filename,
                          xml.parent / filename):
            if candidate.is_file():
                return candidate
        return None

    def _geometry(self, obj, folder, file, width, height, report):
        polygon = obj.find("polygon")
        segm = obj.find("segm")
        if polygon is not None:
            pts = []
            for pt in polygon.findall("pt"):
                x, y = _num(pt, "x"), _num(pt, "y")
                if x is None or y is None:
                    report("bad-value", "a <pt> lacks a numeric <x> or <y>; not painted")
                    return None
                if not (math.isfinite(x) and math.isfinite(y)):
                    report("non-finite-coordinate", "a <pt> holds NaN or infinity; not painted")
                    return None
                pts.append((x, y))
            arr = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
            if (obj.findtext("type") or "").strip() == "bounding_box":
                if len(arr) < 2:
                    report("too-few-points", f"bounding box with {len(arr)} points; not painted")
                    return None
                (x0, y0), (x1, y1) = arr.min(axis=0), arr.max(axis=0)
                return Box(float(x0), float(y0), float(x1), float(y1))
            if len(arr) < 3:
                report("too-few-points", f"polygon has {len(arr)} points (3 needed); not painted")
                return None
            return Polygon((arr,))
        if segm is not None:
            mask_name = (segm.findtext("mask") or "").strip()
            if not mask_name or unsafe_reason(mask_name) or (folder and unsafe_reason(folder)):
                report("bad-value", f"<segm> without a usable <mask> file name ({mask_name!r}); not painted")
                return None
            candidates = [self.collection / "Masks" / folder / mask_name, self.collection / "Masks" / mask_name,
                          file.parent / "Masks" / mask_name]
            path = next((c for c in candidates if c.is_file()), None)
            if path is None:
                report("missing-mask", f"mask file {mask_name!r} not found under Masks/; not painted")
                return None
            try:
                with open_image(path) as im:
                    if im.width * im.height > self.max_pixels:
                        report("image-too-large", f"{path.name} is {im.width}x{im.height}, above --max-pixels "
                                                  f"{self.max_pixels:,}; not painted")
                        return None
                    mask: np.ndarray
                    if im.mode in ("RGBA", "LA", "PA"):
                        mask = np.asarray(im.convert("RGBA"))[..., 3] > 0
                    elif im.mode in ("RGB",):
                        mask = np.asarray(np.asarray(im).any(axis=2))
                    else:
                        mask = np.asarray(im.convert("L")) > 0
            except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
                report("bad-mask-file", f"{path.name}: cannot decode ({exc}); not painted")
                return None
            if mask.shape == (height, width):
                return Bitmap(mask)
            box = segm.find("box")
            left = int(math.floor((_num(box, "xmin") or 0) + 0.5)) if box is not None else 0
            top = int(math.floor((_num(box, "ymin") or 0) + 0.5)) if box is not None else 0
            return Bitmap(mask, left=left, top=top)
        report("bad-value", "object has neither <polygon> nor <segm>; not painted")
        return None
