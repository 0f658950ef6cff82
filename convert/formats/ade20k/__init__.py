"""ADE20K's SceneParsing layout (ADEChallengeData2016): index masks 0-150 with objectInfo150 names, read with
the colour-coded masks' machinery (``read``).

The format's rules and traps: ``docs/formats.md``, "ADE20K".
"""
