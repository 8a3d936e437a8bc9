"""`python -m toklab …` (and `torchrun -m toklab …`) is the same as `toklab …`."""

if __name__ == "__main__":
    from toklab.cli import main

    main()
