"""The one error of the comparison pipeline: bad input, reported as one line and exit status 2."""


class UsageError(Exception):
    """Bad input: reported by the command line as one line on stderr and exit status 2."""
