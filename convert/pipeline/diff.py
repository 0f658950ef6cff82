"""What changed between two deliveries of the same images (``segconv diff A B``).

A and B may be in any two formats segconv reads; both are painted through one label map and one pixel
rule, image by image, so the comparison is of the masks training would see:

- images are matched by name, else by name without extension (``breakfast/table_03``), else by its last
  part, each where it is unique on both sides (:func:`pair`); every image of A and of B is in the report
  exactly once: compared with one image of the other side, or listed as only in A or only in B;
- per image: the pixels whose class changed, from what to what (a confusion list), the pixels and IoU of
  every class, and the objects added, removed and changed, matched inside a class by IoU (greedy, best
  first, at least ``MATCH_IOU``); an image whose size differs is reported as such;
- the findings B has and A had not: for every code, B's findings when B has more of them than A.

    >>> from convert.model.labelmap import LabelMap
    >>> pixels = {(0, 0): 1, (1, 1): 2, (1, 2): 1}      # {(class value in A, in B): pixels}
    >>> confusion(pixels, LabelMap.derive(["plate", "bowl"]))
    [{'from': 'plate', 'to': 'bowl', 'pixels': 1}]
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from convert.checks.validator import CheckOptions, check_sample
from convert.findings import Finding
from convert.formats.objects import visible_list
from convert.model.labelmap import LabelMap
from convert.model.names import stem_of
from convert.model.sample import Runs
from convert.painting.paint import paint
from convert.pipeline import workers
from convert.pixels import runs
from convert.wording import plural

NO_OBJECTS = {"added": 0, "removed": 0, "changed": 0, "unchanged": 0}  # counts of an image without objects
MATCH_IOU = 0.5  # two objects of one class are the same object when their visible pixels overlap this much


@dataclass
class DiffReport:
    """What :func:`diff` found.  ``images`` holds one entry per image of either delivery."""

    a: str
    b: str
    labelmap: LabelMap
    labelmap_derived: bool
    images: list[dict] = field(default_factory=list)
    classes: dict = field(default_factory=dict)  # name -> {"a", "b", "intersection", "union"}
    confusion: Counter = field(default_factory=Counter)  # (from, to) -> pixels
    objects: Counter = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)  # what made either delivery hard to read

    @property
    def objects_not_compared(self) -> int:
        """Images whose objects were not compared (A or B read from class masks alone)."""
        return sum(1 for entry in self.images if entry.get("objects_compared") is False)

    @property
    def changed(self) -> bool:
        return any(entry["status"] != "same" for entry in self.images)

    def exit_code(self) -> int:
        return 1 if self.changed else 0

    def summary(self) -> dict:
        statuses = Counter(entry["status"] for entry in self.images)
        total = sum(entry.get("pixels", 0) for entry in self.images)
        changed = sum(entry.get("changed_pixels", 0) for entry in self.images)
        def position(name: str) -> int:
            cls = self.labelmap.resolve(name)
            return cls.index if cls is not None else 1 << 20

        order = sorted(self.classes, key=position)
        return {"a": self.a, "b": self.b, "images": len(self.images),
                "compared": statuses["same"] + statuses["changed"], "changed_images": statuses["changed"],
                "size_differs": statuses["size-differs"], "unreadable": statuses["unreadable"],
                "only_a": statuses["only-a"], "only_b": statuses["only-b"],
                "pixels": total, "changed_pixels": changed,
                "classes": {name: dict(self.classes[name], iou=_iou(self.classes[name])) for name in order},
                "confusion": [{"from": f, "to": t, "pixels": n} for (f, t), n in self.confusion.most_common()],
                "objects": {k: self.objects[k] for k in ("added", "removed", "changed", "unchanged")},
                "exit_code": self.exit_code()}


def _iou(entry: dict) -> float | None:
    return round(entry["intersection"] / entry["union"], 6) if entry["union"] else None


def key_of(name: str) -> str:
    return stem_of(name)


def pair(a_names: list[str], b_names: list[str]) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pairs of indices of the same image in A and B (in A's order), and the indices only in A, only in B:
    every index of either side is in exactly one of the three.  Images are matched in three rounds, each
    among the images no earlier round matched:

    1. the same name (``train/a.jpg`` and ``train/a.jpg``; several images of one name pair in order);
    2. the same name without extension (``a.jpg`` and ``a.png``), where exactly one image of each side has it;
    3. the same last part of that (``x/a.jpg`` and ``train/a.png``), where exactly one of each side has it.

    >>> pair(["x/a.jpg", "b.jpg", "c.jpg"], ["train/a.jpg", "b.png"])
    ([(0, 0), (1, 1)], [2], [])
    >>> pair(["a.jpg", "a.png"], ["a.jpg"])      # a.png is not taken for a second a.jpg
    ([(0, 0)], [1], [])
    >>> pair(["a.jpg", "a.png"], ["a.bmp"])      # which of A's two is B's a.bmp? Neither is guessed
    ([], [0, 1], [0])
    """
    left_a, left_b = list(range(len(a_names))), list(range(len(b_names)))
    pairs: list[tuple[int, int]] = []
    for key, unique in ((lambda n: n, False), (key_of, True), (lambda n: key_of(n).rsplit("/", 1)[-1], True)):
        by_a: dict[str, list[int]] = {}
        by_b: dict[str, list[int]] = {}
        for i in left_a:
            by_a.setdefault(key(a_names[i]), []).append(i)
        for j in left_b:
            by_b.setdefault(key(b_names[j]), []).append(j)
        for k, a_side in by_a.items():
            b_side = by_b.get(k, [])
            if unique and (len(a_side) != 1 or len(b_side) != 1):
                continue
            pairs += zip(a_side, b_side)
        matched_a, matched_b = {i for i, _ in pairs}, {j for _, j in pairs}
        left_a = [i for i in left_a if i not in matched_a]
        left_b = [j for j in left_b if j not in matched_b]
    return sorted(pairs), left_a, left_b


def confusion(joint: dict[tuple[int, int], int], labelmap: LabelMap) -> list[dict]:
    """The pixels whose class changed, grouped by (class in A, class in B), most first.

    >>> from convert.model.labelmap import LabelMap
    >>> confusion({(0, 0): 5, (1, 2): 1}, LabelMap.derive(["plate", "bowl"]))
    [{'from': 'plate', 'to': 'bowl', 'pixels': 1}]
    """
    out = [{"from": _name(va, labelmap), "to": _name(vb, labelmap), "pixels": n}
           for (va, vb), n in sorted(joint.items()) if va != vb]
    return sorted(out, key=lambda d: -d["pixels"])


def _name(value: int, labelmap: LabelMap) -> str:
    if value == labelmap.void:
        return "void"
    for cls in labelmap.classes:
        if cls.index == value:
            return cls.name
    return str(value)


def _stretch_columns(painted, labelmap: LabelMap) -> tuple[np.ndarray, np.ndarray, np.ndarray, list]:
    """(stretch starts, ends, per stretch its class value and its visible object number 1..K or 0, the
    visible objects): the painted image as the painter's stretches, which cover it whole."""
    st = painted.stretches
    objects = visible_list(painted, labelmap)
    renumber = np.zeros(len(painted.instances) + 1, dtype=np.int64)
    for number, obj in enumerate(objects, start=1):
        renumber[obj.id] = number
    columns = np.stack((st.per_stretch(st.values, st.empty).astype(np.int64),
                        renumber[st.per_stretch(st.object_ids, 0)]), axis=1)
    return st.starts, st.ends, columns, objects


def _pair_sums(first: np.ndarray, second: np.ndarray, lengths: np.ndarray) -> dict[tuple[int, int], int]:
    """The summed ``lengths`` of every (first, second) pair of values.

    >>> _pair_sums(np.array([1, 1, 2]), np.array([1, 1, 1]), np.array([2, 2, 2]))
    {(1, 1): 4, (2, 1): 2}
    """
    keys, inverse = np.unique(first << 32 | second, return_inverse=True)
    sums = np.bincount(inverse, weights=lengths).astype(np.int64).tolist()
    return {(k >> 32, k & 0xFFFFFFFF): n for k, n in zip(keys.tolist(), sums)}


def compare_objects(a_objs: list, b_objs: list, inter_pairs: dict[tuple[int, int], int]) -> dict:
    """Objects added, removed, changed and unchanged: visible objects of A and B (numbered 1..K, 0 = none)
    matched inside a class by IoU, best pairs first; ``inter_pairs`` holds the pixels of every pair
    (object in A, object in B), 0 included."""
    na, nb = len(a_objs), len(b_objs)
    counts = Counter(NO_OBJECTS)
    if not na and not nb:
        return dict(counts)
    inter = np.zeros((na + 1, nb + 1), dtype=np.int64)
    for (i, j), n in inter_pairs.items():
        inter[i, j] = n
    area_a, area_b = inter.sum(axis=1), inter.sum(axis=0)
    candidates = []
    for i in range(1, na + 1):
        for j in (np.flatnonzero(inter[i, 1:]) + 1).tolist():
            if a_objs[i - 1].label.name != b_objs[j - 1].label.name:
                continue
            union = area_a[i] + area_b[j] - inter[i, j]
            candidates.append((inter[i, j] / union, i, j))
    used_a, used_b = set(), set()
    for iou, i, j in sorted(candidates, reverse=True):
        if iou < MATCH_IOU or i in used_a or j in used_b:
            continue
        used_a.add(i)
        used_b.add(j)
        counts["unchanged" if iou == 1.0 else "changed"] += 1
    counts["removed"] = na - len(used_a)
    counts["added"] = nb - len(used_b)
    return dict(counts)


def compare(a_sample, b_sample, labelmap: LabelMap, rule: str) -> dict:
    """The entry of one image: painted from A and from B, compared."""
    entry: dict = {"image": a_sample.name, "b_image": b_sample.name}
    if not a_sample.usable or not b_sample.usable:
        entry["status"] = "unreadable"
        entry["findings_a"] = [f.to_dict() for f in a_sample.findings]
        entry["findings_b"] = [f.to_dict() for f in b_sample.findings]
        return entry
    if (a_sample.width, a_sample.height) != (b_sample.width, b_sample.height):
        entry.update(status="size-differs", a_size=[a_sample.width, a_sample.height],
                     b_size=[b_sample.width, b_sample.height])
        return entry
    options = CheckOptions(rule=rule)
    painted = []
    found = []
    for sample in (a_sample, b_sample):
        p = paint(sample, labelmap, rule=rule, instances=True, trace=True)
        checked, _ = check_sample(sample, labelmap, p, options)
        painted.append(p)
        found.append(list(sample.findings) + p.findings + checked)
    total = painted[0].class_mask.size
    # the two paintings as stretches, cut at every start of either: no pass over the pixels
    *a_stretches, a_objs = _stretch_columns(painted[0], labelmap)
    *b_stretches, b_objs = _stretch_columns(painted[1], labelmap)
    starts, ends, in_a_columns, in_b_columns = runs.overlay(*a_stretches, *b_stretches)
    lengths = ends - starts
    joint = _pair_sums(in_a_columns[:, 0], in_b_columns[:, 0], lengths)  # (class in A, in B): pixels
    objects = _pair_sums(in_a_columns[:, 1], in_b_columns[:, 1], lengths)  # (object in A, in B): pixels
    changed = sum(n for (va, vb), n in joint.items() if va != vb)
    in_a: Counter[int] = Counter()
    in_b: Counter[int] = Counter()
    for (va, vb), n in joint.items():
        in_a[va] += n
        in_b[vb] += n
    classes = {}
    for cls in labelmap.classes:
        na, nb = in_a[cls.index], in_b[cls.index]
        if na or nb:
            inter = joint.get((cls.index, cls.index), 0)
            classes[cls.name] = {"a": na, "b": nb, "intersection": inter, "union": na + nb - inter}
    count_a = Counter(f.code for f in found[0])
    count_b = Counter(f.code for f in found[1])
    new = [f.to_dict() for f in found[1] if count_b[f.code] > count_a[f.code]]
    # a side read from class masks alone has no objects, only one region per class: its objects are not
    # compared (a masks-only VOC tree against instance annotations would count every object as added)
    delineated = not (class_masks_only(a_sample) or class_masks_only(b_sample))
    entry.update(status="changed" if changed else "same", width=a_sample.width, height=a_sample.height,
                 pixels=total, changed_pixels=changed, classes=classes, confusion=confusion(joint, labelmap),
                 objects=compare_objects(a_objs, b_objs, objects) if delineated else dict(NO_OBJECTS),
                 findings_new=new)
    if not delineated:
        entry["objects_compared"] = False
    elif entry["objects"]["added"] or entry["objects"]["removed"] or entry["objects"]["changed"]:
        entry["status"] = "changed"  # the same class mask, other objects: still a change
    return entry



def class_masks_only(sample) -> bool:
    """Whether a sample was read from class masks alone (every region a label image's runs, none an
    instance): it shows which class each pixel has, not which object.

    >>> from convert.model.sample import Box, Origin, Region, Runs, Sample
    >>> o = Origin("m.png"); mask = Runs(np.array([0]), np.array([4]), (2, 2))
    >>> class_masks_only(Sample("a.png", 2, 2, [Region("plate", mask, (0,), o)], o))
    True
    >>> class_masks_only(Sample("a.png", 2, 2, [Region("plate", Box(0, 0, 1, 1), (0,), o)], o))
    False
    """
    return bool(sample.regions) and all(isinstance(r.geometry, Runs) and r.instance is None
                                        for r in sample.regions)


def _work(state: dict, pair_ab: tuple[int, int]) -> dict:
    return compare(state["a"][pair_ab[0]], state["b"][pair_ab[1]], state["labelmap"], state["rule"])


def diff(a_dataset, b_dataset, labelmap: LabelMap, *, rule: str = "coco", jobs: int = 1, progress=None,
         derived: bool = False) -> DiffReport:
    """Compare two opened deliveries image by image (``jobs`` forked processes, results in order)."""
    report = DiffReport(str(a_dataset.path), str(b_dataset.path), labelmap, derived)
    a_names, b_names = a_dataset.names(), b_dataset.names()
    pairs, only_a, only_b = pair(a_names, b_names)
    report.findings = list(a_dataset.findings) + list(b_dataset.findings)
    state = {"a": a_dataset, "b": b_dataset, "labelmap": labelmap, "rule": rule}
    results, pool = workers.results(_work, pairs, state, jobs=jobs, chunksize=max(1, len(pairs) // (jobs * 8) or 1))
    try:
        for done, entry in enumerate(results, start=1):
            report.images.append(entry)
            for name, counts in entry.get("classes", {}).items():
                total = report.classes.setdefault(name, Counter())
                total.update(counts)
            for item in entry.get("confusion", []):
                report.confusion[(item["from"], item["to"])] += item["pixels"]
            report.objects.update(entry.get("objects", {}))
            if progress:
                progress(done, len(pairs))
    finally:
        workers.stop(pool)
    report.images += [{"image": a_names[i], "status": "only-a"} for i in only_a]
    report.images += [{"image": b_names[i], "status": "only-b"} for i in only_b]
    report.classes = {name: dict(c) for name, c in report.classes.items()}
    return report


def open_pair(a: str | Path, b: str | Path, *, labels=None, fmt_a=None, fmt_b=None, images=None,
              max_pixels=None):
    """Both deliveries and the label map they are painted through: ``--labels``, else A's own label map, else
    B's, else one derived from the labels of both (A's first); what either source's own label map says is void
    is void."""
    from convert.formats.dataset import resolve_labelmap, with_sources_void
    from convert.formats.readers import open_dataset
    from convert.limits import DEFAULT_MAX_PIXELS

    limit = max_pixels or DEFAULT_MAX_PIXELS
    a_ds = open_dataset(a, fmt_a, max_pixels=limit, images=images)
    b_ds = open_dataset(b, fmt_b, max_pixels=limit, images=images)
    if labels is not None:  # a file, or a LabelMap a script made
        return a_ds, b_ds, with_sources_void(resolve_labelmap(a_ds, labels)[0], b_ds), False
    if a_ds.source_labelmap is not None:
        return a_ds, b_ds, with_sources_void(a_ds.source_labelmap, b_ds), True
    if b_ds.source_labelmap is not None:  # segconv's output against its source: the output's labelmap.json
        return a_ds, b_ds, with_sources_void(b_ds.source_labelmap, a_ds), True
    names = list(dict.fromkeys(list(a_ds.label_names) + list(b_ds.label_names)))
    lm, _ = resolve_labelmap(a_ds, None)
    return a_ds, b_ds, LabelMap.derive(names, source=f"derived from {a} and {b}") if names else lm, True


def describe(report: DiffReport) -> str:
    """One line: how many images changed and how many pixels."""
    s = report.summary()
    share = 100 * s["changed_pixels"] / s["pixels"] if s["pixels"] else 0.0
    parts = [f"{plural(s['compared'], 'image')} compared: {s['changed_images']:,} changed, "
             f"{plural(s['changed_pixels'], 'pixel')} ({share:.3f} %)"]
    if s["only_a"] or s["only_b"]:
        parts.append(f"{s['only_a']:,} only in A, {s['only_b']:,} only in B")
    if s["size_differs"]:
        parts.append(f"{plural(s['size_differs'], 'image')} of another size")
    o = s["objects"]
    unknown = report.objects_not_compared
    if unknown == s["compared"] and unknown:
        parts.append("objects not compared (one side holds class masks only)")
    else:
        parts.append(f"objects: {o['added']:,} added, {o['removed']:,} removed, {o['changed']:,} changed"
                     + (f" (not compared in {plural(unknown, 'image')}: one side holds class masks only)"
                        if unknown else ""))
    new = Counter(f["code"] for entry in report.images for f in entry.get("findings_new", []))
    if new:
        by_code = ", ".join(f"{code} {n:,}" for code, n in sorted(new.items(), key=lambda kv: (-kv[1], kv[0])))
        parts.append(f"findings new in B: {sum(new.values()):,} ({by_code})")
    return "; ".join(parts)

