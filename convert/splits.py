"""Deterministic train/val/test splits by image name (``--split train=0.8,val=0.2 --seed N``).

An image's split depends only on its name and the seed: a hash of both,
read as a number in [0, 1), falls into one of the split's shares.  So an
image lands in the same split whatever the order of the source, the number
of ``--jobs`` or the writer; adding images never moves the others.  The
source's own subsets (CVAT subsets, VOC lists, COCO files per subset) win:
only images without one are split.  Without ``--split``, they are ``train``.

    >>> split = Split.parse("train=0.8,val=0.2")
    >>> [split.assign(f"img_{i}.jpg") for i in range(8)]
    ['train', 'train', 'train', 'train', 'train', 'train', 'val', 'train']
    >>> Split.parse("train=0.8,val=0.2", seed=7).assign("img_0.jpg")     # another seed, another split
    'val'
    >>> sorted(Split.parse("train=3,val=1").shares.items())    # shares are normalised
    [('train', 0.75), ('val', 0.25)]
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from .errors import UsageError

_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class Split:
    """Named shares summing to 1, and a seed."""

    shares: dict[str, float]
    seed: int = 0

    @classmethod
    def parse(cls, text: str, seed: int = 0) -> Split:
        """``train=0.8,val=0.2[,test=...]``: names and non-negative weights (normalised to sum 1)."""
        shares: dict[str, float] = {}
        for part in text.split(","):
            name, eq, value = part.partition("=")
            name = name.strip()
            if not eq or not _NAME.match(name) or name in (".", ".."):
                raise UsageError(f"--split {text!r}: each part is NAME=SHARE, e.g. train=0.8,val=0.2")
            if name in shares:
                raise UsageError(f"--split {text!r}: {name!r} appears twice")
            try:
                share = float(value)
            except ValueError:
                raise UsageError(f"--split {text!r}: {value!r} is not a number") from None
            if not share >= 0 or share == float("inf"):
                raise UsageError(f"--split {text!r}: shares must be finite and not negative")
            shares[name] = share
        total = sum(shares.values())
        if total <= 0:
            raise UsageError(f"--split {text!r}: the shares sum to 0")
        return cls({name: share / total for name, share in shares.items()}, seed)

    def assign(self, name: str) -> str:
        """The split of the image ``name``."""
        digest = hashlib.sha256(f"{self.seed}\0{name}".encode()).digest()
        point = int.from_bytes(digest[:8], "big") / 2 ** 64
        edge = 0.0
        last = next(reversed(self.shares))
        for split, share in self.shares.items():
            edge += share
            if point < edge:
                return split
        return last

    def to_dict(self) -> dict:
        return {"shares": self.shares, "seed": self.seed}


DEFAULT = "train"  # the subset of images that have none, without --split
