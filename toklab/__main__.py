"""`python -m toklab …` (and `torchrun -m toklab …`) is the same as `toklab …`."""

from toklab.cli import main

main()
