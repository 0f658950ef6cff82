"""Pascal VOC segmentation trees (``docs/formats.md``, "Pascal VOC"), including Datumaro's and
CVAT's "Segmentation mask 1.1" exports.

SRC is a VOC root (or a folder holding one ``VOC*`` root)::

    JPEGImages/<id>.jpg          images (optional for converting)
    SegmentationClass/<id>.png   class masks
    SegmentationObject/<id>.png  instance masks (optional)
    ImageSets/Segmentation/*.txt one id per line, one file per subset
    labelmap.txt                 Datumaro/CVAT labels (optional)

Class masks in any of the forms tools write:

- palette (``P``) or grayscale (``L``) PNG: the value is the class index, the
  palette is display only; 255 is void.  (The openagi/VOC layout with the
  lists at the root instead of ``ImageSets/Segmentation`` is accepted.)
- RGB PNG (Datumaro's default, CVAT's "Segmentation mask"): colours are mapped
  back through ``labelmap.txt``, or the VOC colormap without one; (224, 224,
  192) is void.  A colour no class has is an ``unknown-color`` finding with its
  pixel count, and those pixels become void.

``SegmentationObject`` (palette or RGB) becomes instances whose class is taken
from ``SegmentationClass``, as Datumaro does; an instance that covers several
classes is reported.  The masks are already flattened, so every region is a
bitmap that overlaps no other.  Without ``--labels`` the source's own label
list is the label map (``labelmap.txt`` or the 21 VOC classes), so indices and
colours are kept.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from convert.errors import SegconvError
from convert.files.images import find_image, open_image
from convert.findings import Finding
from convert.findings.missing_image import check_photo_size
from convert.formats.dataset import IndexedDataset
from convert.limits import DEFAULT_MAX_PIXELS
from convert.model.labelmap import LabelClass, LabelMap, voc_color
from convert.model.names import unsafe_reason
from convert.model.sample import Origin, Region, Runs, Sample
from convert.pixels import runs
from convert.wording import plural

NAME = "voc"

VOC_CLASSES = [
    "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
    "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
]
VOID = 255
SUBSET_PREFERENCE = ("train", "val", "test")


def find_root(path: Path) -> Path | None:
    """The VOC root at or just below ``path``."""
    if not path.is_dir():
        return None
    markers = ("SegmentationClass", "JPEGImages", "Annotations")
    if any((path / m).is_dir() for m in markers) or (path / "ImageSets" / "Segmentation").is_dir():
        return path
    inner = [p for p in sorted(path.glob("VOC*")) + sorted(path.glob("*/VOC*")) if p.is_dir()
             and (p / "SegmentationClass").is_dir()]
    return inner[0] if len(inner) == 1 else None


def detect(path: Path) -> str | None:
    root = find_root(path)
    if root is None:
        return None
    if (root / "SegmentationClass").is_dir():
        return "a folder with SegmentationClass/"
    if (root / "ImageSets").is_dir() or any(_is_voc_xml(p) for p in sorted((root / "Annotations").glob("*.xml"))[:5]):
        return "a VOC folder (Annotations/ or ImageSets/, no SegmentationClass/)"
    return None


def _is_voc_xml(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
    except OSError:
        return False
    return b"<annotation" in head and (b"<bndbox" in head or b"<size>" in head)


def voc_labelmap(names: list[str], colors: list[tuple] | None = None) -> LabelMap:
    """Classes at their line index; background (index 0 or the (0,0,0) colour) is the fill at level 0."""
    colors = colors or [voc_color(i) for i in range(len(names))]
    bg = next((i for i, c in enumerate(colors) if c == (0, 0, 0)), 0)
    classes = [LabelClass(n, i, 0 if i == bg else 1, colors[i], fill=(i == bg))
               for i, n in enumerate(names) if i != VOID]
    return LabelMap(tuple(classes), VOID, source="the 21 Pascal VOC classes")


class VocDataset(IndexedDataset[tuple[str, str | None]]):
    """A VOC tree: one sample per id, subsets from the lists."""

    format = NAME

    def __init__(self, path: str | Path, *, max_pixels: int = DEFAULT_MAX_PIXELS, **_):
        src = Path(path)
        root = find_root(src)
        if root is None:
            raise SegconvError("not a Pascal VOC tree (no SegmentationClass/, JPEGImages/ or Annotations/)",
                               file=str(src))
        self.root = root
        self.class_dir = root / "SegmentationClass"
        self.object_dir = root / "SegmentationObject"
        if not self.class_dir.is_dir():
            raise SegconvError("this VOC tree has no SegmentationClass/ folder: it holds detection boxes "
                               "only, and segconv converts segmentation masks", file=str(root))
        self.max_pixels = max_pixels
        findings: list[Finding] = []
        labelmap_txt = root / "labelmap.txt"
        if not labelmap_txt.is_file() and (root / "class_names.txt").is_file():
            labelmap_txt = root / "class_names.txt"  # written by labelme2voc
        if labelmap_txt.is_file():
            source = LabelMap.load(labelmap_txt)
            self.index_names = {c.index: c.name for c in source.classes}
            self.colors = {c.color: c.index for c in source.classes}
            self.from_labelmap_txt = True
        else:
            source = voc_labelmap(VOC_CLASSES)
            self.index_names = dict(enumerate(VOC_CLASSES))
            self.colors = {voc_color(i): i for i in range(len(VOC_CLASSES))}
            self.from_labelmap_txt = False
        self.colors.setdefault(voc_color(VOID), VOID)
        self.entries: list[tuple[str, str | None]] = self._list_ids(findings)  # (image id, subset)
        super().__init__(str(root), findings, source)

    @property
    def label_names(self) -> list[str]:
        return [self.index_names[i] for i in sorted(self.index_names)]

    def _list_ids(self, findings) -> list[tuple[str, str | None]]:
        lists = sorted((self.root / "ImageSets" / "Segmentation").glob("*.txt"))
        if not lists:  # non-standard layouts keep the lists at the root; a list names existing masks
            lists = [p for p in sorted(self.root.glob("*.txt"))
                     if p.name not in ("labelmap.txt", "class_names.txt") and self._names_masks(p)]
        by_subset: dict[str, list[str]] = {}
        for lst in lists:
            try:
                text = lst.read_text(encoding="utf-8-sig")
            except (OSError, UnicodeDecodeError) as exc:
                raise SegconvError(f"cannot read image list: {exc}", file=str(lst)) from None
            by_subset[lst.stem] = [self._list_entry(line) for line in text.splitlines()
                                   if line.strip() and not line.strip().startswith("#")]
        if not by_subset:
            return [(p.stem, None) for p in sorted(self.class_dir.glob("*.png"))]
        # an id listed in several lists (train and trainval) belongs to the first preferred one
        order = sorted(by_subset, key=lambda s: (SUBSET_PREFERENCE.index(s) if s in SUBSET_PREFERENCE
                                                 else len(SUBSET_PREFERENCE), s == "trainval", s))
        seen: dict[str, str] = {}
        member: dict[str, list[str]] = {}
        for subset in order:
            for image_id in by_subset[subset]:
                seen.setdefault(image_id, subset)
                if subset != "trainval" and subset not in member.setdefault(image_id, []):
                    member[image_id].append(subset)
        for image_id, subsets in member.items():
            if len(subsets) > 1:
                findings.append(Finding(
                    "subset-overlap", f"{image_id} is listed in {' and '.join(subsets)}; it is converted once, "
                    f"as {subsets[0]}", file=str(self.root), image=self._name(image_id)[1]))
        return list(seen.items())

    def _list_entry(self, line: str) -> str:
        """The image id a line of an image list names: the whole line when a mask of that name is there (an
        image named with spaces, as segconv's own lists hold them), else its first word (VOC's
        classification lists add a column: ``2008_000002  1``)."""
        line = line.strip()
        first = line.split()[0]
        if first != line and not unsafe_reason(line) and (self.class_dir / f"{line}.png").is_file():
            return line
        return first

    def _name(self, image_id: str) -> tuple[Path | None, str]:
        """The photo of an image id and the image's name, the photo's file name (``<id>.jpg`` without one)."""
        image = find_image(self.root / "JPEGImages", image_id)
        return image, f"{image_id}{image.suffix}" if image else f"{image_id}.jpg"

    def _names_masks(self, lst: Path) -> bool:
        try:
            lines = [line for line in lst.read_text(encoding="utf-8-sig", errors="replace").splitlines()
                     if line.strip()][:50]
        except OSError:
            return False
        return any((self.class_dir / f"{entry}.png").is_file()
                   for entry in map(self._list_entry, lines) if not unsafe_reason(entry))


    # ------------------------------------------------------------------ one image
    def sample(self, entry: tuple[str, str | None]) -> Sample:
        image_id, subset = entry
        image, name = self._name(image_id)
        class_png = self.class_dir / f"{image_id}.png"
        origin = Origin(str(class_png))
        findings: list[Finding] = []

        def report(code, message, pixels=None, file=str(class_png)):
            findings.append(Finding(code, message, file=file, image=name, pixels=pixels))

        reason = unsafe_reason(image_id)
        if reason:
            report("unsafe-path", f"image id {image_id!r} {reason}; not converted")
            return Sample(name, 0, 0, [], origin, subset=subset, findings=findings, usable=False)
        if not class_png.is_file():
            report("missing-mask", f"listed in the {subset or 'image'} list but {class_png.name} does not exist; "
                                   "no mask written")
            return Sample(name, 0, 0, [], origin, subset=subset, findings=findings, usable=False)
        classes = self._read_runs(class_png, self.colors, report)
        if classes is None:
            return Sample(name, 0, 0, [], origin, subset=subset, findings=findings, usable=False)
        (height, width), class_runs = classes
        if image is not None:
            check_photo_size(image, (width, height), self.max_pixels, findings, name,
                             lambda real: report("image-size-mismatch", f"mask is {width}x{height} but {real}"))

        starts, ends, values = class_runs
        for value in np.unique(values).tolist():
            if value != VOID and value not in self.index_names:
                where = values == value
                count = int((ends[where] - starts[where]).sum())
                report("unknown-mask-value", f"value {value} is no class of the label list "
                                             f"({len(self.index_names)} classes); {plural(count, 'pixel')} written "
                                             "as void", pixels=count)
                values = np.where(where, VOID, values)
        class_runs = (starts, ends, values)

        instance_runs = None
        object_png = self.object_dir / f"{image_id}.png"
        if object_png.is_file():
            instance_colors = {voc_color(i): i for i in range(256)}
            read = self._read_runs(object_png, instance_colors, report, file=str(object_png))
            if read is not None and read[0] != (height, width):
                report("image-size-mismatch", f"{object_png.name} is {read[0][1]}x{read[0][0]}, "
                                              f"the class mask {width}x{height}; instances ignored",
                       file=str(object_png))
            elif read is not None:
                instance_runs = read[1]
        regions = self._regions(class_runs, instance_runs, (height, width), class_png, object_png, report)
        return Sample(name, width, height, regions, origin, subset=subset, image_id=image_id, findings=findings,
                      image_path=str(image) if image else None, size_checked=image is not None)

    def _read_runs(self, png: Path, colors: dict, report, file: str | None = None):
        """``((height, width), (starts, ends, values))``: a class or instance PNG as runs of indices
        (:func:`convert.pixels.runs.from_label_image`); an RGB mask's colours become indices through ``colors``
        run by run, never pixel by pixel.  ``None`` when the PNG is unusable (reported)."""
        file = file or str(png)
        try:
            with open_image(png) as im:
                if im.width * im.height > self.max_pixels:
                    report("image-too-large", f"{im.width}x{im.height} exceeds --max-pixels {self.max_pixels:,}",
                           file=file)
                    return None
                mode = im.mode
                if mode in ("P", "L", "I;16", "I;16B", "I"):
                    image = np.asarray(im)
                    palette = im.getpalette() if mode == "P" else None
                    rgb = False
                elif mode in ("RGB", "RGBA"):
                    image = _rgb_key(np.asarray(im.convert("RGB")))
                    rgb = True
                else:
                    report("bad-mask-file", f"mode {mode!r} is not palette, grayscale or RGB", file=file)
                    return None
        except Image.DecompressionBombError as exc:
            report("image-too-large", f"refused before decoding: {exc} (raise --max-pixels if it is real)",
                   file=file)
            return None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:  # SyntaxError: broken PNG
            report("bad-mask-file", f"cannot decode the PNG ({exc})", file=file)
            return None
        starts, ends, values = runs.from_label_image(image)
        values = values.astype(np.int64)
        if rgb:
            values = self._unpaint(starts, ends, values, colors, report, file)
        elif palette is not None and self.from_labelmap_txt and colors is self.colors:
            by_index = {index: color for color, index in colors.items()}
            used = [i for i in np.unique(values).tolist() if i != VOID and i in by_index]
            if any(tuple(palette[3 * i:3 * i + 3]) != by_index[i] for i in used):
                report("palette-mismatch", "the PNG's palette colours disagree with labelmap.txt; as in "
                                           "Datumaro and CVAT, the colours decide", file=file)
                keys = np.array([(palette[3 * i] << 16) | (palette[3 * i + 1] << 8) | palette[3 * i + 2]
                                 if 3 * i + 2 < len(palette) else -1 for i in range(256)], dtype=np.int64)
                values = self._unpaint(starts, ends, keys[values], colors, report, file)
        return image.shape, (starts, ends, values)

    @staticmethod
    def _unpaint(starts, ends, keys: np.ndarray, colors: dict, report, file: str) -> np.ndarray:
        """Colour keys (``r << 16 | g << 8 | b``) of runs → indices through ``colors``; unknown colours become
        void, reported with their pixel counts."""
        out = np.empty(len(keys), dtype=np.int64)
        for k in np.unique(keys).tolist():
            where = keys == k
            color = (k >> 16, (k >> 8) & 255, k & 255)
            index = colors.get(color)
            if index is None:
                count = int((ends[where] - starts[where]).sum())
                report("unknown-color", f"colour {color} is no class of the label list; {plural(count, 'pixel')} "
                                        "written as void", pixels=count, file=file)
                index = VOID
            out[where] = index
        return out

    def _regions(self, class_runs, instance_runs, size, class_png, object_png, report) -> list[Region]:
        """Regions from the runs: one per (instance, class) pair of SegmentationObject, the class taken from
        SegmentationClass as Datumaro does; one per class for the pixels no instance claims; void."""
        regions: list[Region] = []
        starts, ends, values = class_runs
        if instance_runs is not None:
            starts, ends, values, instance = runs.overlay(*class_runs, *instance_runs)
            labelled = (instance != 0) & (instance != VOID) & (values != 0) & (values != VOID)
            pairs = (instance[labelled] << 16) | values[labelled]
            by_instance: dict[int, list[tuple[int, int, np.ndarray, np.ndarray]]] = {}
            for key, s, e in runs.by_value(starts[labelled], ends[labelled], pairs):
                k, v = key >> 16, key & 0xFFFF
                by_instance.setdefault(k, []).append((v, int((e - s).sum()), s, e))
            for k, parts in by_instance.items():
                if len(parts) > 1:
                    listed = ", ".join(f"{c} {self.index_names[v]!r}" for v, c, _, _ in parts)
                    report("instance-mixed-classes", f"instance {k} covers several classes ({listed})",
                           file=str(object_png))
                for v, _, s, e in parts:
                    regions.append(Region(self.index_names[v], Runs(s, e, size), (k,),
                                          Origin(str(object_png), f"instance {k}"), instance=k))
            starts, ends, values = starts[~labelled], ends[~labelled], values[~labelled]
        for v, s, e in runs.by_value(starts, ends, values):
            if v == VOID:
                regions.append(Region(None, Runs(s, e, size), (VOID,), Origin(str(class_png), "void (255)")))
            else:
                regions.append(Region(self.index_names[v], Runs(s, e, size), (1000 + v,),
                                      Origin(str(class_png), f"class {v} ({self.index_names[v]})")))
        return regions


def _rgb_key(rgb: np.ndarray) -> np.ndarray:
    """``r << 16 | g << 8 | b`` of every pixel of an ``(h, w, 3)`` uint8 image, as int32."""
    key = rgb[..., 0].astype(np.int32) << 16
    key |= rgb[..., 1].astype(np.int32) << 8
    key |= rgb[..., 2]
    return key
