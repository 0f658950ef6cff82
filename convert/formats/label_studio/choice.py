"""Which annotation of a Label Studio task is read, and when a task is unlabelled (``docs/formats.md``,
"Label Studio").

``-O use=`` states the rule:

- ``annotation`` (default): the annotation marked ``ground_truth``, else the newest (``created_at``, then
  position) that was not cancelled;
- ``prediction``: the newest prediction;
- ``auto``: the annotation as above, else the newest prediction.

A task the rule gives nothing for is **unlabelled**: nobody drew on it, which is not the same as an image
without objects (an annotation with an empty ``result``).  It is not painted — painting it would claim
every pixel is the fill class — and it is reported (``unlabelled-task``, a warning) with what the task does
hold and the option that would read it.

    >>> task = {"annotations": [{"result": [], "was_cancelled": True}], "predictions": [{"result": [1]}]}
    >>> choose(task, "annotation")
    (None, 'every annotation of the task was cancelled, and it has 1 prediction: unlabelled, not painted (never \
as background); -O use=auto reads its newest prediction')
    >>> choose(task, "auto")
    ({'result': [1]}, 'prediction')
"""

from __future__ import annotations

from convert.wording import plural

USES = ("annotation", "prediction", "auto")


def _newest(entries: list[dict]) -> dict:
    return max(enumerate(entries), key=lambda ie: (str(ie[1].get("created_at") or ""), ie[0]))[1]


def _annotation(task: dict) -> tuple[dict | None, str]:
    annotations = [a for a in task.get("annotations") or [] if isinstance(a, dict)]
    truth = [a for a in annotations if a.get("ground_truth") and not a.get("was_cancelled")]
    if truth:
        return truth[0], ""
    kept = [a for a in annotations if not a.get("was_cancelled")]
    if kept:
        return _newest(kept), ""
    return None, "every annotation of the task was cancelled" if annotations else "the task has no annotation"


def choose(task: dict, use: str) -> tuple[dict | None, str]:
    """(the annotation or prediction read, ``"annotation"`` or ``"prediction"``), or (``None``, why the
    task is unlabelled, in words that name the option that would read what it holds)."""
    predictions = [p for p in task.get("predictions") or [] if isinstance(p, dict)]
    if use == "prediction":
        if predictions:
            return _newest(predictions), "prediction"
        chosen, _ = _annotation(task)
        hint = "; -O use=auto reads its annotation" if chosen is not None else ""
        return None, f"the task has no prediction: unlabelled, not painted (never as background){hint}"
    chosen, why = _annotation(task)
    if chosen is not None:
        return chosen, "annotation"
    if use == "auto" and predictions:
        return _newest(predictions), "prediction"
    if predictions:
        return None, (f"{why}, and it has {plural(len(predictions), 'prediction')}: unlabelled, not painted (never "
                      "as background); -O use=auto reads its newest prediction")
    return None, f"{why}{' and no prediction' if use == 'auto' else ''}: unlabelled, not painted (never as background)"
