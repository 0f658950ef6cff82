"""Deterministic train/val/test splits (``--split train=0.8,val=0.2 --seed N --split-by RULE``).

Images are split by group, never one by one when they belong together: the frames of one video lie next
to each other, and a split that puts frame 10 in train and frame 11 in val measures memory, not
learning.  A group's split depends only on its key and the seed: a hash of both, read as a number in
[0, 1), falls into one of the split's shares.  So a group lands in the same split whatever the order of
the source, the number of ``--jobs`` or the writer, and adding images never moves the others.  The
source's own subsets (CVAT subsets, VOC lists, COCO files per subset) win: only images without one are
split.  Without ``--split``, they are ``train``.

The group of an image (``--split-by``):

- ``sequence`` (the default): the sequence the source says the image belongs to — a CVAT video, or a
  CVAT task annotated as a sequence (mode ``interpolation``, the mode of tracks); an image of no
  sequence is a group of its own;
- ``folder``: the folder of the image's name (``seq_04/000123.jpg`` goes with ``seq_04/*``); images at
  the top level are each a group of their own;
- ``image``: every image alone;
- ``pattern:REGEX``: the first group of REGEX found in the name (the whole match if it has no group),
  e.g. ``pattern:^(.+)_frame`` for ``walk3_frame0007.jpg``; a name it does not match is a group of its own.

    >>> split = Split.parse("train=0.8,val=0.2")
    >>> [split.assign(f"img_{i}.jpg") for i in range(8)]
    ['train', 'train', 'train', 'train', 'train', 'train', 'val', 'train']
    >>> Split.parse("train=0.8,val=0.2", seed=7).assign("img_0.jpg")     # another seed, another split
    'val'
    >>> sorted(Split.parse("train=3,val=1").shares.items())    # shares are normalised
    [('train', 0.75), ('val', 0.25)]
    >>> by_folder = Split.parse("train=0.5,val=0.5", by="folder")    # a folder goes whole to one split
    >>> {by_folder.assign(by_folder.group_of(f"seq_04/{i:06d}.jpg")) for i in range(50)}
    {'val'}
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from convert.errors import UsageError

_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
RULES = ("sequence", "folder", "image")  # and pattern:REGEX


@dataclass(frozen=True)
class Split:
    """Named shares summing to 1, a seed, and the rule that groups images (``by``)."""

    shares: dict[str, float]
    seed: int = 0
    by: str = "sequence"

    @classmethod
    def parse(cls, text: str, seed: int = 0, by: str = "sequence") -> Split:
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
        check_rule(by)
        return cls({name: share / total for name, share in shares.items()}, seed, by)

    def group_of(self, name: str, sequence: str | None = None) -> str:
        """The key of the group of the image ``name`` (of the source's ``sequence``, if any)."""
        if self.by == "sequence":
            return f"sequence\0{sequence}" if sequence else name
        if self.by == "folder":
            folder, slash, _ = name.rpartition("/")
            return f"folder\0{folder}" if slash else name
        if self.by.startswith("pattern:"):
            found = re.search(self.by[len("pattern:"):], name)
            if found:
                return f"pattern\0{found.group(1) if found.groups() else found.group(0)}"
        return name

    def assign(self, key: str) -> str:
        """The split of the group ``key`` (:meth:`group_of`; for an image alone, its name)."""
        digest = hashlib.sha256(f"{self.seed}\0{key}".encode()).digest()
        point = int.from_bytes(digest[:8], "big") / 2 ** 64
        edge = 0.0
        last = next(reversed(self.shares))
        for split, share in self.shares.items():
            edge += share
            if point < edge:
                return split
        return last

    def to_dict(self) -> dict:
        return {"shares": self.shares, "seed": self.seed, "by": self.by}


def check_rule(by: str) -> None:
    """Refuse an unknown ``--split-by`` rule, or a pattern that is not a regular expression."""
    if by.startswith("pattern:"):
        try:
            re.compile(by[len("pattern:"):])
        except re.error as exc:
            raise UsageError(f"--split-by {by!r}: not a regular expression ({exc})") from None
        return
    if by not in RULES:
        raise UsageError(f"--split-by {by!r}: one of {', '.join(RULES)}, or pattern:REGEX")


DEFAULT = "train"  # the subset of images that have none, without --split
