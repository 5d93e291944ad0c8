"""``python -m givefirst.cli``: the same as the ``givefirst`` command."""

from givefirst.cli import main

main()
