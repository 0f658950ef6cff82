"""``python -m convert`` is the ``segconv`` command."""

from .entry import main

if __name__ == "__main__":
    main()
