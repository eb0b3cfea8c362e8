"""``python -m app.cli``: the same as the ``tandem`` console script."""

from app.cli import main

main()
