"""What a run found, for people and programs: the terminal summary, the JSON report, the HTML report (its
pictures and sections), the diff's JSON and HTML.

Layer: may import ``convert.formats``, ``convert.checks``, ``convert.painting``, ``convert.model``,
``convert.findings``, ``convert.pixels``, ``convert.files`` and the bottom modules (type-only imports
aside).
"""
