"""``python -m signoff …``: the same command line as the ``signoff`` script."""

from .cli import console

if __name__ == "__main__":
    console()
