"""The ``data.yaml`` key each subset takes: which subsets Ultralytics trains and validates on
(``docs/formats.md``, "YOLO-seg").

Ultralytics' ``check_det_dataset`` refuses a ``data.yaml`` without ``train`` (and ``val``), and reads no other
key.  Subsets are mapped by a stated rule:

1. by name, case-insensitively: ``train``/``training`` → train, ``val``/``valid``/``validation`` → val,
   ``test``/``testing`` → test (of two subsets with one meaning, the larger);
2. no train yet: the largest subset left is train;
3. no val: ``val`` points at the train subset, and the file says so.

Subsets left over keep their own key, which Ultralytics does not read.

    >>> plan = map_splits({"Train": 40, "Validation": 10, "Test": 5})
    >>> plan.keys, plan.words
    ({'train': 'Train', 'val': 'Validation', 'test': 'Test'}, 'Train → train, Validation → val, Test → test')
    >>> plan = map_splits({"examples": 2})
    >>> plan.keys, plan.val_is_train, plan.words
    ({'train': 'examples', 'val': 'examples'}, True, 'examples → train (the largest subset), val → examples \
(no val subset)')
"""

from __future__ import annotations

from dataclasses import dataclass, field

NAMES = {"train": "train", "training": "train", "val": "val", "valid": "val", "validation": "val",
         "test": "test", "testing": "test"}


@dataclass
class SplitPlan:
    keys: dict[str, str]  # data.yaml key -> subset (folder under images/)
    others: list[str] = field(default_factory=list)  # subsets Ultralytics does not read
    val_is_train: bool = False
    words: str = ""  # what was mapped, for the summary and the file


def map_splits(counts: dict[str, int]) -> SplitPlan:
    """The ``data.yaml`` keys for subsets with these image counts (see the module docstring)."""
    by_size = sorted(counts, key=lambda s: (-counts[s], s))
    keys: dict[str, str] = {}
    why: dict[str, str] = {}
    for subset in by_size:
        key = NAMES.get(subset.lower())
        if key and key not in keys:
            keys[key] = subset
    if "train" not in keys:
        left = [s for s in by_size if s not in keys.values()]
        if left:
            keys["train"] = left[0]
            why["train"] = " (the largest subset)"
    if not keys:
        keys["train"] = "train"
    val_is_train = "val" not in keys
    if val_is_train:
        keys["val"] = keys["train"]
    ordered: dict[str, str] = {k: keys[k] for k in ("train", "val", "test") if k in keys}
    parts = [f"{subset} → {key}{why.get(key, '')}" for key, subset in ordered.items()
             if not (key == "val" and val_is_train)]
    if val_is_train:
        parts.append(f"val → {keys['train']} (no val subset)")
    others = [s for s in by_size if s not in ordered.values()]
    parts += [f"{s} not read by Ultralytics" for s in others]
    identity = all(k == s for k, s in ordered.items()) and not others and not val_is_train
    return SplitPlan(ordered, others, val_is_train, "" if identity else ", ".join(parts))
