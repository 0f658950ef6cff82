"""segconv's own ``png`` layout read back: ``masks/**/*.png`` beside ``labelmap.json``; and folders of binary
masks, one object per image, as Carvana ships them (``train_masks/<id>_mask.gif``).

This closes round trips (COCO → png → back) and lets ``segconv validate``
check a folder of training masks: values not in the label map are reported
(``unknown-mask-value``), as are masks that are not palette or grayscale PNGs.
Every class value becomes one region; void (``labelmap.void``) stays void.

A folder of ``*_mask.gif`` files and no ``labelmap.json`` is a folder of binary masks
(:mod:`convert.formats.png.binary`: black is the background, any other grey level the object).  Its label map
is ``background`` (index 0, the fill class) and ``foreground`` (1), the class ``--from kaggle-rle`` gives a CSV
without a class column, so ``segconv diff train_masks.csv train_masks/`` compares like with like.  Each mask
is named after its photo (``a_mask.gif`` is ``a.jpg`` where ``--images``, or the folder beside it named
without ``_masks`` (``train/`` beside ``train_masks/``), holds ``a.jpg``; else ``a.gif``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from convert.errors import SegconvError
from convert.files.images import find_image, open_image
from convert.findings import Finding
from convert.formats.dataset import FileDataset
from convert.formats.png.binary import TooLarge, mask_stem, read_binary
from convert.limits import DEFAULT_MAX_PIXELS
from convert.model.labelmap import LabelMap
from convert.model.sample import Origin, Region, Runs, Sample
from convert.pixels import runs
from convert.wording import plural

NAME = "masks"
FOREGROUND = "foreground"  # the class of a binary mask (and of a Kaggle CSV without a class column)


def _own_layout(path: Path) -> bool:
    return path.is_dir() and (path / "labelmap.json").is_file() and (path / "masks").is_dir()


def _binary_folder(path: Path) -> bool:
    return path.is_dir() and not (path / "labelmap.json").is_file() and next(path.glob("*_mask.gif"), None) is not None


def detect(path: Path) -> str | None:
    if _own_layout(path):
        return "a folder with masks/ and labelmap.json"
    if _binary_folder(path):
        return "a folder of binary *_mask.gif masks (Carvana's train_masks/)"
    return None


class MasksDataset(FileDataset):
    format = NAME

    def __init__(self, path: str | Path, *, images: str | Path | None = None,
                 max_pixels: int = DEFAULT_MAX_PIXELS, **_):
        root = Path(path)
        self.root = root
        self.images = Path(images) if images else None
        self.max_pixels = max_pixels
        self.binary = not _own_layout(root) and _binary_folder(root)
        if self.binary:
            self.files = sorted(root.rglob("*_mask.gif"))
            self.photos = self.images or root.with_name(root.name.removesuffix("_masks"))
            self.own_labelmap = LabelMap.derive([FOREGROUND], source=f"binary masks in {root}: black is "
                                                "background, any other grey level foreground")
        elif detect(root) is None:
            raise SegconvError("not a segconv mask folder (masks/ and labelmap.json), nor a folder of binary "
                               "*_mask.gif masks", file=str(root))
        else:
            self.files = sorted((root / "masks").rglob("*.png"))
            self.own_labelmap = LabelMap.load(root / "labelmap.json")
        super().__init__(str(root), [], self.own_labelmap)

    @property
    def label_names(self) -> list[str]:
        return [c.name for c in sorted(self.own_labelmap.classes, key=lambda c: c.index)]

    def name_of(self, entry: Path) -> str:
        return self._name(entry)[0]

    def _name(self, file: Path) -> tuple[str, Path | None]:
        """A mask's image name, and the photo where one is found (binary masks)."""
        if not self.binary:
            return file.relative_to(self.root / "masks").as_posix(), None
        relative = file.relative_to(self.root)
        stem = mask_stem(file) or file.stem
        photo = find_image(self.photos / relative.parent, stem) if self.photos.is_dir() else None
        return (relative.parent / (photo.name if photo else f"{stem}.gif")).as_posix(), photo

    def sample(self, file: Path) -> Sample:
        if self.binary:
            return self._binary_sample(file)
        lm = self.own_labelmap
        name = file.relative_to(self.root / "masks").as_posix()
        findings: list[Finding] = []
        origin = Origin(str(file))
        try:
            with open_image(file) as im:
                if im.width * im.height > self.max_pixels:
                    raise Image.DecompressionBombError(f"{im.width}x{im.height} exceeds --max-pixels "
                                                       f"{self.max_pixels:,}; refused before decoding")
                if im.mode not in ("P", "L", "I;16", "I;16B", "I"):
                    raise ValueError(f"mode {im.mode!r} is not palette or grayscale")
                values = np.asarray(im)
        except Image.DecompressionBombError as exc:
            findings.append(Finding("image-too-large", f"{exc} (raise --max-pixels if it is real)",
                                    file=str(file), image=name))
            return Sample(name, 0, 0, [], origin, findings=findings, usable=False)
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:  # SyntaxError: broken PNG
            findings.append(Finding("bad-mask-file", str(exc), file=str(file), image=name))
            return Sample(name, 0, 0, [], origin, findings=findings, usable=False)
        height, width = values.shape
        by_index = {c.index: c.name for c in lm.classes}
        regions = []
        starts, ends, run_values = runs.from_label_image(values)
        for value, s, e in runs.by_value(starts, ends, run_values):
            geometry = Runs(s, e, (height, width))
            if value == lm.void:
                regions.append(Region(None, geometry, (value,), Origin(str(file), "void")))
            elif value in by_index:
                regions.append(Region(by_index[value], geometry, (value,),
                                      Origin(str(file), f"value {value} ({by_index[value]})")))
            else:
                count = int((e - s).sum())
                findings.append(Finding("unknown-mask-value", f"value {value} is no class of labelmap.json; "
                                        f"{plural(count, 'pixel')} read as void", file=str(file), image=name,
                                        pixels=count))
                regions.append(Region(None, geometry, (value,), Origin(str(file), f"value {value}")))
        return Sample(name, width, height, regions, origin, findings=findings)

    def _binary_sample(self, file: Path) -> Sample:
        name, photo = self._name(file)
        origin = Origin(str(file))
        try:
            mask = read_binary(file, self.max_pixels)
        except TooLarge as exc:
            return Sample(name, 0, 0, [], origin, usable=False, findings=[Finding(
                "image-too-large", f"{exc} (raise --max-pixels if it is real)", file=str(file), image=name)])
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
            return Sample(name, 0, 0, [], origin, usable=False, findings=[Finding(
                "bad-mask-file", str(exc), file=str(file), image=name)])
        height, width = mask.shape
        starts, ends, values = runs.from_label_image(mask.view(np.uint8))
        regions = [Region(FOREGROUND, Runs(s, e, (height, width)), (0,), Origin(str(file), "the object"))
                   for value, s, e in runs.by_value(starts, ends, values) if value]
        return Sample(name, width, height, regions, origin, image_path=str(photo) if photo else None)
