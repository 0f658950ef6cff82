"""Hugging Face ``datasets`` parquet: the writer.

The format's rules and traps: ``docs/formats.md``, "Hugging Face datasets".
"""
