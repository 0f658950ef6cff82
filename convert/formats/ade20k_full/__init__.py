"""The full ADE20K release (ADE20K_2021_17_01): ``*_seg.png`` read as the dataset's ``loadAde20K`` decodes it
(``read``), the class names from ``objects.txt`` (``objects_txt``; the pickle is never unpickled).

The format's rules and traps: ``docs/formats.md``, "ADE20K", "The full release".
"""
