"""What a run says about the whole source once its images are done: the worst images, the images missing or
dropped, classes never painted, a source of which nothing could be used, and the per-class totals.

The run loop (:mod:`convert.pipeline.loop`) feeds these image by image (``tally``, ``add_accounting``) and
asks for the rest at the end; none of it depends on how the images were processed (one process, ``--jobs``,
Dask).
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import replace

from convert.findings import Finding
from convert.findings.missing_image import BESIDE, missing_image, no_image_found
from convert.findings.severity import Severity
from convert.model.labelmap import LabelMap
from convert.wording import plural

WORST_KEPT = 10


def late_missing_images(missing: list, found: int, dataset) -> list[Finding]:
    """The ``missing-image`` findings of images whose file the run found absent, ``missing`` holding
    ``(image, file, what the output lacks, the reader's own findings about it)``: one warning each when some
    images were found (the reader's words, else the run's; the writer's words added), else one note saying no
    image was found at all, whatever the command: convert and validate report alike."""
    if not missing:
        return []
    given = getattr(dataset, "images_given", None)
    where = getattr(dataset, "photos_where", BESIDE)
    if found:
        out: list[Finding] = []
        for name, file, lacks, said in missing:
            said = said or [missing_image("its size is not checked", images=given, image=name, file=file,
                                          where=where)]
            out += [replace(f, message=f"{f.message}; {lacks}") if lacks and i == 0 else f for i, f in enumerate(said)]
        return out
    lacking = list(dict.fromkeys(lacks for _, _, lacks, _ in missing if lacks))
    first = next((said[0] for _, _, _, said in missing if said), None)
    return [no_image_found(len(missing), given, str(dataset.path), lacking, first, where)]


def tally(worst: dict[str, list[int]], findings: list[Finding], position: int, image: str | None = None) -> None:
    """Count the errors and warnings of ``findings`` against ``image`` (a sample's own findings), or else the
    images they name; an image first met here takes ``position`` in the order."""
    for f in findings:
        name = image or f.image
        if name is None or f.severity < Severity.WARNING:
            continue
        entry = worst.setdefault(name, [0, 0, -position])
        entry[0 if f.severity >= Severity.ERROR else 1] += 1


def worst_images(worst: dict[str, list[int]]) -> list[tuple[int, int, str]]:
    """The :data:`WORST_KEPT` images with the most errors, then warnings, then first in the source.

    >>> tallied = {}
    >>> tally(tallied, [Finding("missing-image", "a", image="b.jpg"), Finding("unknown-label", "x", image="a.jpg")], 0)
    >>> tally(tallied, [Finding("missing-image", "again", image="b.jpg")], 5)
    >>> worst_images(tallied)
    [(1, 0, 'a.jpg'), (0, 2, 'b.jpg')]
    """
    ranked = heapq.nlargest(WORST_KEPT, worst.items(), key=lambda item: tuple(item[1]))
    return [(e, w, name) for name, (e, w, _) in ranked]


def dropped_images(dataset) -> list[Finding]:
    """The first error of each image the reader dropped while indexing (it is not among the samples)."""
    kept = set(dataset.names()) if len(dataset) else set()
    first: dict[str, Finding] = {}
    for f in dataset.findings:
        if f.image and f.severity >= Severity.ERROR and f.image not in kept:
            first.setdefault(f.image, f)
    return list(first.values())


def nothing_usable(reasons: list[Finding], total: int, writing: bool, source: str) -> Finding:
    """The error of a run in which no image of the source could be used: why, by code, with the first case.

    >>> why = [Finding("missing-mask", "no a.png", image="a.jpg")] * 2
    >>> print(nothing_usable(why, 2, True, "pan.json").message)
    nothing was written: none of the 2 images could be used (2 missing-mask; the first, a.jpg: no a.png)
    >>> print(nothing_usable(why[:1], 1, False, "pan.json").message)
    nothing was checked: the source's only image could not be used (1 missing-mask; a.jpg: no a.png)
    """
    by_code = Counter(f.code for f in reasons)
    codes = ", ".join(f"{n} {code}" for code, n in by_code.most_common())
    first = f"; {'the first, ' if len(reasons) > 1 else ''}{reasons[0].image}: {reasons[0].message}" if reasons else ""
    what = "nothing was written" if writing else "nothing was checked"
    which = "the source's only image could not" if total == 1 else f"none of the {total:,} images could"
    return Finding("no-usable-image", f"{what}: {which} be used ({codes}{first})", file=source)


def no_image(writing: bool, source: str) -> Finding:
    """The error of a run whose source holds no image at all: an empty delivery is not accepted in silence.

    >>> print(no_image(True, "a.json").message)
    the source holds no image: nothing was written
    """
    return Finding("no-image", f"the source holds no image: nothing was {'written' if writing else 'checked'}",
                   file=source)


def unused_classes(labelmap: LabelMap, painted: dict, images: int) -> list[Finding]:
    """A ``class-unused`` finding for each class but the fill class with no painted region in the ``images``
    checked (``painted``: the per-class totals, by class name)."""
    fill = labelmap.fill
    out: list[Finding] = []
    if not images:
        return out
    for cls in sorted(labelmap.classes, key=lambda c: c.index):
        if cls.name not in painted and (fill is None or cls.name != fill.name):
            out.append(Finding("class-unused", f"class {cls.name!r} (index {cls.index}) has no painted region in any "
                               f"image ({plural(images, 'image')} checked)", file=labelmap.source,
                               element=f"class {cls.name}"))
    return out


def add_accounting(totals: dict, account: dict) -> None:
    """Add one image's per-class pixels, overwritten pixels and regions to the run's totals, by class name."""
    for name, entry in account["classes"].items():
        t = totals.setdefault(name, {"index": entry["index"], "level": entry["level"], "pixels": 0,
                                     "overwritten": 0, "regions": 0, "images": 0})
        t["pixels"] += entry["pixels"]
        t["overwritten"] += entry["overwritten"]
        t["regions"] += entry["regions"]
        t["images"] += 1
