"""``python -m convert.codes > docs/findings.md``"""

from . import markdown

print(markdown(), end="")  # noqa: T201 - the generated document
