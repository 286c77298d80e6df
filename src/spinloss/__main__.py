"""``python -m spinloss``: the same as the ``spinloss`` command."""

from .cli import main

if __name__ == "__main__":
    main()
