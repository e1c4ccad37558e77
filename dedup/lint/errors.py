"""The error every ``dedup lint`` failure is: a message that says what to do (exit code 2)."""


class LintError(Exception):
    """An index, baseline, git comparison or input that ``dedup lint`` cannot use."""
