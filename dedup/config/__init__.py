"""Settings: one frozen dataclass per stage, gathered in :class:`Settings`.

Settings come from, in rising order of precedence: the defaults here, a
configuration file, then command-line flags. The file is the one named by
``--config``, or else the first found searching upward from the working
folder (stopping at the repository root, the folder holding ``.git``) for a
``[tool.dedup]`` table in ``pyproject.toml`` or a ``[dedup]`` section in
``setup.cfg``. When one folder holds both, ``pyproject.toml`` wins and a
warning names the ``setup.cfg`` section that is ignored. Nested stages are
addressed with a dotted prefix (``passages.min_chars = 80`` in
``setup.cfg``, ``[tool.dedup.passages]`` in ``pyproject.toml``).

In: defaults, a configuration file's table, command-line values. Out: one
frozen :class:`Settings` (the passage stage's in :mod:`dedup.config.passages`,
the checks the stages share in :mod:`dedup.config.checks`), or a
:class:`ConfigError` naming the setting.
"""

from __future__ import annotations

import configparser
import dataclasses
import math
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from dedup.config.checks import ConfigError, check_counts, check_shares
from dedup.config.passages import PassageSettings


@dataclass(frozen=True)
class BoilerplateSettings:
    """Boilerplate and repeated-paragraph detection.

    Attributes:
        enabled: Look for boilerplate at all.
        keep: Count boilerplate in the reuse figures (by default it is left out).
        classifier: Apply the shipped block classifier.
        html_threshold: Probability at which the HTML model calls a block
            boilerplate (``None``: the model's own).
        text_threshold: The same for the plain-text model.
        inside_threshold: For plain text, the probability needed for a block
            that sits within the document's run of prose (between its first
            and last paragraph) and has five words or more: a short
            paragraph of the article.
        repeat_min_words: Words a block needs for a second copy in the same
            document to be marked.
        sentence_min_words: Words a sentence needs for a second copy to be marked.
        corpus_repeats: Look for blocks repeated across the corpus.
        corpus_min_docs: Fewest documents a block must recur in to be a
            boilerplate candidate ...
        corpus_min_share: ... or this share of the corpus, whichever is more.
        near_repeats: Also group near-identical blocks (paragraph MinHash).
        near_min_words: Words a block needs to take part in near matching.
        near_max_words: Words above which a block is grouped only with
            identical blocks (``None``: no limit). Boilerplate blocks are
            short; a longer near-identical text is a copied passage, which
            the passage stage aligns, and signing every long paragraph would
            cost as much as the document-level scan again.
        near_threshold: Word-trigram Jaccard at which two blocks are near repeats.
        copy_share: A repeated group of blocks that makes up more than this
            share of the documents it occurs in is a copied passage, left to
            reuse detection, not boilerplate.
        syndication_max_words: A block repeated across several sources is
            syndicated text, marked only up to this many words (a stock line).
        section_min_position: A "You May Also Like" or "Comments" header
            opens a boilerplate section only past this share of the document.
    """

    enabled: bool = True
    keep: bool = False
    classifier: bool = True
    html_threshold: float | None = None
    text_threshold: float | None = None
    inside_threshold: float = 0.7
    repeat_min_words: int = 3
    sentence_min_words: int = 6
    corpus_repeats: bool = True
    corpus_min_docs: int = 5
    corpus_min_share: float = 0.002
    near_repeats: bool = True
    near_min_words: int = 8
    near_max_words: int | None = 200
    near_threshold: float = 0.8
    copy_share: float = 0.5
    syndication_max_words: int = 12
    section_min_position: float = 0.3

    def __post_init__(self) -> None:
        for name in ("html_threshold", "text_threshold"):
            value = getattr(self, name)
            if value is not None and not 0.0 < value < 1.0:
                raise ConfigError(f"boilerplate.{name} must be in (0, 1), got {value}")
        check_counts(self, "boilerplate", ("repeat_min_words", "sentence_min_words", "near_min_words", "corpus_min_docs"))
        check_shares(self, "boilerplate", ("inside_threshold", "corpus_min_share", "near_threshold", "copy_share", "section_min_position"))
        if self.near_max_words is not None and self.near_max_words < self.near_min_words:
            raise ConfigError(
                f"boilerplate.near_max_words must be at least near_min_words ({self.near_min_words}), got {self.near_max_words}"
            )
        if self.syndication_max_words < 0:
            raise ConfigError(f"boilerplate.syndication_max_words must be 0 or more, got {self.syndication_max_words}")

    def min_corpus_docs(self, n_docs: int) -> int:
        """Documents a block must recur in, for a corpus of ``n_docs``."""
        return max(self.corpus_min_docs, math.ceil(self.corpus_min_share * n_docs))


LINT_RULES = ("DUP001", "DUP002", "DUP003", "DUP004", "BOIL001")


def _rule_list(value: Any) -> tuple[str, ...]:
    """Rule ids from a list or a comma-separated string, upper-cased."""
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(str(item).strip().upper() for item in items if str(item).strip())


@dataclass(frozen=True)
class LintSettings:
    """``dedup lint``: which rules run, on which files, against what.

    Attributes:
        select: Rule ids that run (``DUP001`` exact, ``DUP002`` near,
            ``DUP003`` partial copy, ``DUP004`` rewrite, ``BOIL001`` mostly
            boilerplate).
        ignore: Rule ids switched off (applied after ``select``).
        boilerplate_share: Share of a document's characters marked as
            boilerplate from which ``BOIL001`` reports it.
        include: Globs (fnmatch, ``*`` crosses ``/``) of the files to lint
            and index, matched against the path relative to the working
            folder; empty: every file the reader understands.
        exclude: Globs of files left out (after ``include``).
        index: The index file used when ``--index`` is not given (``""``: none).
        baseline: The baseline file used when ``--baseline`` is not given.
    """

    select: tuple[str, ...] = LINT_RULES
    ignore: tuple[str, ...] = ()
    boilerplate_share: float = 0.5
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    index: str = ""
    baseline: str = ""

    def __post_init__(self) -> None:
        for name in ("select", "ignore"):
            unknown = [rule for rule in getattr(self, name) if rule not in LINT_RULES]
            if unknown:
                raise ConfigError(f"lint.{name}: unknown rule {', '.join(unknown)}; known: {', '.join(LINT_RULES)}")
        check_shares(self, "lint", ("boilerplate_share",))

    @property
    def rules(self) -> tuple[str, ...]:
        """The rules that run, in :data:`LINT_RULES` order."""
        return tuple(rule for rule in LINT_RULES if rule in self.select and rule not in self.ignore)


@dataclass(frozen=True)
class Settings:
    """Everything that changes what ``dedup`` finds.

    Attributes:
        ngram: Words per shingle (characters for scripts without spaces).
        num_perm: MinHash permutations.
        seed: Seed of the MinHash permutations; the same seed gives the same output.
        threshold: Exact Jaccard at or above which two documents are near duplicates.
        lsh_threshold: Estimated Jaccard at which LSH proposes a candidate;
            lower than ``threshold`` so that verification, not banding,
            decides (``None``: ``threshold`` minus 0.1).
        jobs: Worker processes for per-document stages (0: all cores).
        batch_size: Documents per batch handed to a stage.
        max_chars: Longest document, in characters: a longer one is split
            into parts of at most this length (``<id>#1``, ``<id>#2``, ...),
            with a warning naming it. Bounds the memory a document takes
            in a process: aligning two parts that share text holds both
            prepared (about 100 bytes a character each at the peak), so
            10,000,000 took 2 GB; 5,000,000 stays near 1 GB.
        passages: Passage-reuse settings.
        boilerplate: Boilerplate settings.
        lint: ``dedup lint`` settings.
    """

    ngram: int = 5
    num_perm: int = 128
    seed: int = 1
    threshold: float = 0.8
    lsh_threshold: float | None = None
    jobs: int = 0
    batch_size: int = 2000
    max_chars: int = 5_000_000
    passages: PassageSettings = field(default_factory=PassageSettings)
    boilerplate: BoilerplateSettings = field(default_factory=BoilerplateSettings)
    lint: LintSettings = field(default_factory=LintSettings)

    def __post_init__(self) -> None:
        if self.ngram < 1:
            raise ConfigError(f"ngram must be at least 1, got {self.ngram}")
        if not 0 <= self.seed < 2**32:  # the range numpy's RandomState takes
            raise ConfigError(f"seed must be between 0 and {2**32 - 1}, got {self.seed}")
        if not 16 <= self.num_perm <= 1024:
            raise ConfigError(f"num_perm must be between 16 and 1024, got {self.num_perm}")
        if not 0.0 < self.threshold <= 1.0:
            raise ConfigError(f"threshold must be in (0, 1], got {self.threshold}")
        if self.lsh_threshold is not None and not 0.0 < self.lsh_threshold <= self.threshold:
            raise ConfigError(f"lsh_threshold must be in (0, threshold], got {self.lsh_threshold}")
        if self.jobs < 0:
            raise ConfigError(f"jobs must be 0 (all cores) or more, got {self.jobs}")
        if self.batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, got {self.batch_size}")
        if self.max_chars < 1000:
            raise ConfigError(f"max_chars must be at least 1000, got {self.max_chars}")

    @property
    def candidate_threshold(self) -> float:
        """The estimated similarity at which LSH proposes a pair."""
        if self.lsh_threshold is not None:
            return self.lsh_threshold
        return max(0.05, round(self.threshold - 0.1, 4))

    @property
    def workers(self) -> int:
        """The number of worker processes to use: ``jobs``, or all cores
        for 0, and never more than four per core (a config file asking for
        thousands would otherwise start thousands of processes; the output
        is the same for any number)."""
        cores = os.cpu_count() or 1
        return min(self.jobs or cores, MAX_WORKERS_PER_CORE * cores)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values (recorded in reports and baselines)."""
        return dataclasses.asdict(self)


MAX_WORKERS_PER_CORE = 4

# What a value of each field type must be, for messages.
_KIND_WORDS = {"bool": "true or false", "int": "a whole number", "int | None": "a whole number or none",
               "float": "a number", "float | None": "a number or none", "str": "text", "str | None": "text or none"}
_INT_LIMIT = 2**63  # settings end up in 64-bit arrays
_SHOWN_VALUE_CHARS = 60


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN_VALUE_CHARS else text[: _SHOWN_VALUE_CHARS - 1] + "…"


def _kind_name(kind: Any) -> str:
    return kind if isinstance(kind, str) else getattr(kind, "__name__", str(kind))


def _coerce(name: str, value: Any, kind: Any) -> Any:
    """Convert a config-file value (often a string) to the field's type.

    Raises:
        ConfigError: If the value is not of that kind (a table or list where a
            value belongs, text where a number belongs, a number that is not
            finite or not whole, ...), naming the setting.
    """
    kind = _kind_name(kind)
    if kind == "tuple[str, ...]":
        return _as_strings(name, value)
    if kind not in _KIND_WORDS:
        return value
    if isinstance(value, (Mapping, list, tuple, set)):
        shape = "a table" if isinstance(value, Mapping) else "a list"
        raise ConfigError(f"setting {name!r}: {shape} ({_shown(value)}) where {_KIND_WORDS[kind]} belongs")
    try:
        if kind.endswith("| None") and (value is None or str(value).strip().lower() in ("", "none")):
            return None
        base = kind.split(" |")[0]
        if base == "bool":
            return _as_bool(value)
        if base == "int":
            return _as_int(value)
        if base == "float":
            return _as_float(value)
        return str(value).strip()
    except (ValueError, TypeError, OverflowError):
        raise ConfigError(f"setting {name!r}: {_shown(value)} is not a valid {kind} (expected {_KIND_WORDS[kind]})") from None


def _as_strings(name: str, value: Any) -> tuple[str, ...]:
    """A list of strings, or one comma-separated string (rule ids upper-cased)."""
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not all(isinstance(item, str) for item in items):
        raise ConfigError(f"setting {name!r}: {_shown(value)} is not a valid list (expected a list of text or comma-separated text)")
    if name.endswith(("select", "ignore")):
        return _rule_list(items)
    return tuple(item.strip() for item in items if item.strip())


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(value)


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float):
        if not value.is_integer():  # also refuses inf and nan
            raise ValueError(value)
        value = int(value)
    number = value if isinstance(value, int) else int(str(value).strip())
    if not -_INT_LIMIT <= number < _INT_LIMIT:
        raise OverflowError(value)
    return number


def _as_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(value)
    number = float(value if isinstance(value, (int, float)) else str(value).strip())
    if not math.isfinite(number):  # 1e400 reads as inf
        raise ValueError(value)
    return number


def apply_settings(base: Settings, values: Mapping[str, Any]) -> Settings:
    """Return ``base`` with ``values`` applied (dotted names reach nested stages).

    Raises:
        ConfigError: On an unknown name or a value of the wrong kind.
    """
    top: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    known = {f.name: f for f in fields(base)}
    for raw_name, value in values.items():
        name = raw_name.replace("-", "_")
        head, _, tail = name.partition(".")
        if head not in known:
            raise ConfigError(f"unknown setting {raw_name!r}; known: {', '.join(sorted(known))}")
        is_stage = dataclasses.is_dataclass(getattr(base, head))
        if tail or (is_stage and isinstance(value, Mapping)):
            if not is_stage:
                raise ConfigError(f"setting {head!r} is a single value and has no sub-settings (found {raw_name!r})")
            nested.setdefault(head, {}).update({tail: value} if tail else value)
        elif is_stage:
            raise ConfigError(
                f"setting {raw_name!r} is a group of settings, not a value (got {_shown(value)}); "
                f"set one of them, e.g. {head}.enabled = false, or use a [tool.dedup.{head}] table"
            )
        else:
            top[head] = _coerce(raw_name, value, known[head].type)
    for head, sub in nested.items():
        stage = getattr(base, head)
        stage_fields = {f.name: f for f in fields(stage)}
        changes = {}
        for key, value in sub.items():
            key = key.replace("-", "_")
            if key not in stage_fields:
                raise ConfigError(f"unknown setting '{head}.{key}'; known: {', '.join(sorted(stage_fields))}")
            changes[key] = _coerce(f"{head}.{key}", value, stage_fields[key].type)
        top[head] = replace(stage, **changes)
    return replace(base, **top)


@dataclass(frozen=True)
class ConfigFile:
    """The settings a configuration file holds.

    Attributes:
        values: The raw values of its ``[dedup]`` section / ``[tool.dedup]`` table.
        path: The file they come from (``None``: no file holds settings).
        warnings: What the user should know, e.g. a section that was ignored.
    """

    values: dict[str, Any] = field(default_factory=dict)
    path: str | None = None
    warnings: tuple[str, ...] = ()


def _pyproject_table(path: Path) -> dict[str, Any] | None:
    """The ``[tool.dedup]`` table of a pyproject.toml, or ``None``."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as err:
        raise ConfigError(f"{path}: cannot parse: {err}") from None
    tool = data.get("tool", {})
    table = tool.get("dedup") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: 'tool.dedup' must be a table ([tool.dedup]), got {_shown(table)}")
    return table


def _setup_cfg_section(path: Path) -> dict[str, Any] | None:
    """The ``[dedup]`` section of a setup.cfg (or any INI file), or ``None``.

    A ``[dedup.passages]`` section holds the same settings as ``passages.``
    keys of ``[dedup]`` (as ``[tool.dedup.passages]`` does in pyproject.toml);
    a key given both ways is an error rather than a silent choice.
    """
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot parse: {err}") from None
    names = [name for name in parser.sections() if name == "dedup" or name.startswith("dedup.")]
    if not names:
        return None
    values: dict[str, Any] = dict(parser.items("dedup")) if parser.has_section("dedup") else {}
    for name in (name for name in names if name != "dedup"):
        group = name.removeprefix("dedup.")
        for key, value in parser.items(name):
            dotted = f"{group}.{key}"
            if dotted in values:
                raise ConfigError(f"{path}: '{dotted}' is set in both [dedup] and [{name}]")
            values[dotted] = value
    return values


def read_config_file(folder: str | os.PathLike = ".") -> tuple[dict[str, Any], str | None]:
    """Read ``[tool.dedup]`` from pyproject.toml or ``[dedup]`` from setup.cfg in ``folder``.

    Returns:
        The raw values and the file they came from (``None`` if neither holds settings).

    Raises:
        ConfigError: If a file exists but cannot be parsed.
    """
    found = _folder_config(Path(folder))
    return (found.values, found.path) if found else ({}, None)


def _folder_config(folder: Path) -> ConfigFile | None:
    """The settings of one folder: pyproject.toml's table wins over setup.cfg's section."""
    pyproject, setup_cfg = folder / "pyproject.toml", folder / "setup.cfg"
    table = _pyproject_table(pyproject) if pyproject.is_file() else None
    section = _setup_cfg_section(setup_cfg) if setup_cfg.is_file() else None
    if table is not None:
        warnings = ()
        if section:
            warnings = (f"{setup_cfg}: the [dedup] section is ignored: {pyproject} holds [tool.dedup], which wins; merge them into one",)
        return ConfigFile(dict(table), str(pyproject), warnings)
    if section is not None:
        return ConfigFile(section, str(setup_cfg))
    return None


def find_config(start: str | os.PathLike = ".", explicit: str | os.PathLike | None = None) -> ConfigFile:
    """The configuration file that applies, as ruff and black find theirs.

    Args:
        start: The working folder; the search goes upward from here and
            stops at the repository root (the first folder holding ``.git``).
        explicit: A file named with ``--config`` (a ``pyproject.toml`` is read
            for ``[tool.dedup]``, anything else as INI for ``[dedup]``); no search.

    Returns:
        The values found (empty when no file holds settings).

    Raises:
        ConfigError: If a file cannot be parsed, or ``explicit`` is missing
            or holds no settings.
    """
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{path}: no such configuration file")
        values = _pyproject_table(path) if path.suffix == ".toml" else _setup_cfg_section(path)
        if values is None:
            raise ConfigError(f"{path}: holds no {'[tool.dedup] table' if path.suffix == '.toml' else '[dedup] section'}")
        return ConfigFile(dict(values), str(path))
    folder = Path(start).absolute()
    for candidate in (folder, *folder.parents):
        found = _folder_config(candidate)
        if found is not None:
            return found
        if (candidate / ".git").exists():
            break
    return ConfigFile()


def load_settings(
    overrides: Mapping[str, Any] | None = None, folder: str | os.PathLike = ".", config: ConfigFile | None = None
) -> Settings:
    """Defaults, then the configuration file, then ``overrides``.

    Args:
        overrides: Values set on the command line (``None`` values are ignored).
        folder: Where the search for a configuration file starts (see :func:`find_config`).
        config: The configuration file, when already found.

    Raises:
        ConfigError: On an unknown setting or a bad value (names the file).
    """
    found = config if config is not None else find_config(folder)
    try:
        settings = apply_settings(Settings(), found.values)
    except ConfigError as err:
        raise ConfigError(f"{found.path}: {err}") from None
    given = {k: v for k, v in (overrides or {}).items() if v is not None}
    return apply_settings(settings, given)
