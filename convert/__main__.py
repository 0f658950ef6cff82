"""``python -m convert`` is the ``segconv`` command."""

from convert.cli import main

if __name__ == "__main__":
    main()
