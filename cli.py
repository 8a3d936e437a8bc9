"""`python cli.py …` is the same as `toklab …`."""

from toklab.cli import main

if __name__ == "__main__":
    main()
