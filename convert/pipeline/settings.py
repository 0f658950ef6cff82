"""The settings of a conversion that decide its bytes, compared by ``--resume``.

A resumed run keeps the files an interrupted run wrote and writes the rest, so both runs must write the
same bytes: every setting that can change a byte of OUT is recorded in the run state and compared.  Every
field of :class:`convert.api.run_options.RunOptions` and every other parameter of :func:`convert.api.convert`
is listed here either as such a setting (with the option a user types, for the message) or as one that
does not change the bytes, with the reason; a test holds the lists to the two, so a new option cannot be
forgotten.

    >>> print(changed_settings({"link": False, "to": "voc"}, {"link": True, "to": "voc"}))
    --link (then off, now on)
"""

from __future__ import annotations

import json

# recorded key -> the option a user passes; the keys of the run state's "settings"
CHANGES_BYTES = {
    "segconv": "the segconv version",
    "source": "SRC",
    "from": "--from (the reader, as detected or given)",
    "reader_options": "-O (the reader's options)",
    "images": "--images",
    "max_pixels": "--max-pixels",
    "labelmap": "--labels (the label map)",
    "rule": "--rule",
    "to": "--to",
    "coco_mode": "--coco-mode",
    "link": "--link",
    "split": "--split, --split-by, --seed",
    "options": "-O (the writer's options)",
    "repair": "--close-gaps, --min-area",
    "view": "what the script made of its source (convert.from_masks's arrays, Dataset.filter, Dataset.relabel)",
}

# fields of RunOptions and parameters of api.convert -> the recorded key holding their effect, or why no byte changes
PARAMETERS = {
    "src": "source", "fmt": "from", "images": "images", "max_pixels": "max_pixels", "labels": "labelmap",
    "rule": "rule", "to": "to", "coco_mode": "coco_mode", "link": "link", "split": "split", "split_by": "split",
    "seed": "split", "format_options": "options",  # (-O holds the reader's and the writer's options: both recorded)
    "close_gaps": "repair", "min_area": "repair",
    "out": "no: where the bytes go, not what they are",
    "overwrite": "no: what happens to earlier files, not what is written",
    "resume": "no: whether the run goes on",
    "dry_run": "no: whether anything is written",
    "strict": "no: whether anything is written (a strict run that writes writes the same bytes)",
    "jobs": "no: outputs are byte-identical whatever --jobs is",
    "dask": "no: outputs are byte-identical to --jobs 1",
    "profile": "no: timings only",
    "progress": "no: a callback for progress",
    "json_path": "no: a report beside the run, not in OUT",
    "html_path": "no: a report beside the run, not in OUT",
    "fail_on": "no: the reports' verdict and the exit code",
}


def changed_settings(previous: dict, now: dict) -> str:
    """The settings that differ, as the options a user types with both values (when short); ``""`` when none."""
    out = []
    for key in sorted(set(previous) | set(now), key=lambda k: list(CHANGES_BYTES).index(k) if k in CHANGES_BYTES
                      else len(CHANGES_BYTES)):
        then, current = previous.get(key), now.get(key)
        if then == current:
            continue
        what = CHANGES_BYTES.get(key, key)
        shown = [_shown(v) for v in (then, current)]
        out.append(f"{what} (then {shown[0]}, now {shown[1]})" if max(map(len, shown)) <= 60 else what)
    return "; ".join(out)


def _shown(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None:
        return "none"
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
