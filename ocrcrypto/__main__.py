"""``python -m ocrcrypto``: the same command line as the ``ocrcrypto`` script."""

from .cli import main

main()
