"""``python -m convert.findings.codes > docs/findings.md``"""

from convert.findings.codes import markdown

print(markdown(), end="")  # noqa: T201 - the generated document
