"""The error a bad setting raises, and the checks the stages' settings share."""

from __future__ import annotations


class ConfigError(ValueError):
    """A setting has an unknown name or a value of the wrong kind."""


def check_counts(stage: object, prefix: str, names: tuple[str, ...]) -> None:
    """Raise :class:`ConfigError` unless each named setting is at least 1."""
    for name in names:
        if getattr(stage, name) < 1:
            raise ConfigError(f"{prefix}.{name} must be at least 1, got {getattr(stage, name)}")


def check_shares(stage: object, prefix: str, names: tuple[str, ...]) -> None:
    """Raise :class:`ConfigError` unless each named setting is in [0, 1]."""
    for name in names:
        if not 0.0 <= getattr(stage, name) <= 1.0:
            raise ConfigError(f"{prefix}.{name} must be in [0, 1], got {getattr(stage, name)}")
