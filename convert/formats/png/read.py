"""segconv's own ``png`` layout read back: ``masks/**/*.png`` beside ``labelmap.json``.

This closes round trips (COCO → png → back) and lets ``segconv validate``
check a folder of training masks: values not in the label map are reported
(``unknown-mask-value``), as are masks that are not palette or grayscale PNGs.
Every class value becomes one region; void (``labelmap.void``) stays void.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from convert.errors import SegconvError
from convert.files.images import open_image
from convert.findings import Finding
from convert.formats.dataset import FileDataset
from convert.limits import DEFAULT_MAX_PIXELS
from convert.model.labelmap import LabelMap
from convert.model.sample import Origin, Region, Runs, Sample
from convert.pixels import runs
from convert.wording import plural

NAME = "masks"


def detect(path: Path) -> str | None:
    if path.is_dir() and (path / "labelmap.json").is_file() and (path / "masks").is_dir():
        return "a folder with masks/ and labelmap.json"
    return None


class MasksDataset(FileDataset):
    format = NAME

    def __init__(self, path: str | Path, *, images: str | Path | None = None,
                 max_pixels: int = DEFAULT_MAX_PIXELS, **_):
        root = Path(path)
        if detect(root) is None:
            raise SegconvError("not a segconv mask folder (masks/ and labelmap.json)", file=str(root))
        self.root = root
        self.files = sorted((root / "masks").rglob("*.png"))
        self.images = Path(images) if images else None
        self.max_pixels = max_pixels
        self.own_labelmap = LabelMap.load(root / "labelmap.json")
        super().__init__(str(root), [], self.own_labelmap)

    @property
    def label_names(self) -> list[str]:
        return [c.name for c in sorted(self.own_labelmap.classes, key=lambda c: c.index)]

    def sample(self, file: Path) -> Sample:
        lm = self.own_labelmap
        name = file.relative_to(self.root / "masks").as_posix()
        findings: list[Finding] = []
        origin = Origin(str(file))
        try:
            with open_image(file) as im:
                if im.width * im.height > self.max_pixels:
                    raise Image.DecompressionBombError(f"{im.width}x{im.height} exceeds --max-pixels "
                                                       f"{self.max_pixels}; refused before decoding")
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
