"""feeds.yaml: which feeds to poll, how often, and how politely.

```yaml
fetch:                      # optional; these are the defaults
  connect_timeout: 10s
  read_timeout: 30s
  deadline: 60s             # the whole fetch, however slowly the bytes drip in
  max_bytes: 10MB
  max_redirects: 5
schedule:                   # optional, for `tracker run`
  tick: 1s                  # how often a worker looks for due feeds
  workers: 4                # feeds fetched at the same time
  lease: 2m                 # how long a claimed feed stays claimed without a heartbeat
feeds:
  - name: karabakh-en       # unique; [A-Za-z0-9._-], used in the CLI and logs
    url: https://example.org/rss.xml   # http(s):// or a local file path (relative to this file)
    language: en            # de | en
    interval: 15m           # 30s, 15m, 1h, 1h30m, 1d
    enabled: true           # optional, default true
    keywords: [Karabakh, Armenia, Azerbaijan]   # optional: store only entries naming one
```

A bad file raises ConfigError listing every problem, one line each, with the
line number and the feed and field it concerns; nothing runs on a bad file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
)

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)")
_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2, "gb": 1000**3, "gib": 1024**3}
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"


class ConfigError(ValueError):
    """feeds.yaml cannot be used; `problems` holds one readable line per problem."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        super().__init__(f"{source}: {count}, nothing was run:\n" + "\n".join(f"  {p}" for p in problems))


def parse_duration(value: Any) -> float:
    """'15m', '1h30m', '0.5s', '1d' -> seconds. A bare number is refused: which unit?"""
    if isinstance(value, bool) or not isinstance(value, str):
        raise ValueError(f"expected a duration with a unit such as 30s, 15m, 1h or 1d, got {value!r}")
    text = value.strip().lower()
    pos, total = 0, 0.0
    for m in _DURATION.finditer(text):
        if text[pos : m.start()].strip():
            break
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if not text or pos == 0 or text[pos:].strip():
        raise ValueError(f"expected a duration with a unit such as 30s, 15m, 1h or 1d, got {value!r}")
    return total


def parse_size(value: Any) -> int:
    """'10MB', '512KiB', 2048 -> bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    m = _SIZE.match(value) if isinstance(value, str) else None
    if not m:
        raise ValueError(f"expected a size such as 512KB or 10MB, got {value!r}")
    return int(float(m.group(1)) * _SIZE_UNITS[(m.group(2) or "b").lower()])


def format_duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    if 0 < seconds < 1:
        return f"{seconds * 1000:g}ms"
    return f"{seconds:g}s"


def _between(low: float, high: float, show):
    def check(value):
        if not low <= value <= high:
            raise ValueError(f"must be between {show(low)} and {show(high)}, got {show(value)}")
        return value

    return AfterValidator(check)


def Duration(low: float, high: float):  # noqa: N802 - reads as a type in the models below
    return Annotated[float, BeforeValidator(parse_duration), _between(low, high, format_duration)]


def Size(low: int, high: int):  # noqa: N802
    return Annotated[int, BeforeValidator(parse_size), _between(low, high, lambda v: f"{v:,} bytes")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FetchSettings(_Strict):
    connect_timeout: Duration(0.01, 600) = 10.0
    read_timeout: Duration(0.01, 600) = 30.0
    deadline: Duration(0.01, 3600) = 60.0
    max_bytes: Size(1, 1024**3) = 10_000_000
    max_redirects: int = Field(default=5, ge=0, le=20)
    user_agent: str | None = None  # default: see fetch.default_user_agent()


class ScheduleSettings(_Strict):
    tick: Duration(0.01, 3600) = 1.0
    workers: int = Field(default=4, ge=1, le=64)
    lease: Duration(1, 86400) = 120.0


class FeedConfig(_Strict):
    name: str = Field(pattern=NAME_PATTERN)
    url: str
    language: Literal["de", "en"]
    interval: Duration(1, 7 * 86400)
    enabled: bool = True
    keywords: list[Annotated[str, Field(min_length=1)]] | None = None
    # Set by parse_config (never read from the file): the local path a url
    # points to, resolved against the folder of feeds.yaml.
    _location: str | None = PrivateAttr(default=None)

    @property
    def location(self) -> str | None:
        return self._location

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must be an http(s):// URL or a local file path, got an empty string")
        m = _SCHEME.match(value)
        if m:
            scheme = m.group(1).lower()
            if scheme not in ("http", "https", "file"):
                raise ValueError(f"unsupported scheme {scheme!r} in {value!r}: use http://, https:// or a file path")
            if scheme != "file" and not value[m.end() :].split("/", 1)[0]:
                raise ValueError(f"no host in {value!r}")
        return value

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, value):
        if value is not None and not value:
            raise ValueError("an empty keyword list would store nothing: leave `keywords` out to store every entry")
        return value

    @property
    def is_http(self) -> bool:
        return self.url.lower().startswith(("http://", "https://"))


class FeedsConfig(_Strict):
    feeds: list[FeedConfig]
    fetch: FetchSettings = FetchSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    _source: str = PrivateAttr(default="feeds.yaml")  # the file it came from, for messages

    @property
    def source(self) -> str:
        return self._source

    def feed(self, name: str) -> FeedConfig:
        for feed in self.feeds:
            if feed.name == name:
                return feed
        known = ", ".join(f.name for f in self.feeds) or "none"
        raise KeyError(f"no feed named {name!r} in {self.source} (feeds: {known})")


def load_config(path: str | Path) -> FeedsConfig:
    """Read and validate feeds.yaml; ConfigError lists every problem found."""
    path = Path(path)
    source = str(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(source, [f"{source}: no such file (give another with --config)"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(source, [f"{source}: cannot read: {exc}"]) from None
    return parse_config(raw, source=source, base_dir=path.resolve().parent)


def parse_config(raw: str, *, source: str = "feeds.yaml", base_dir: Path | None = None) -> FeedsConfig:
    data, lines, problems = _load_yaml(raw, source)
    if data is None and problems:
        raise ConfigError(source, [text for _, text in problems])
    if not isinstance(data, dict):
        raise ConfigError(source, [f"{source}:1: expected a mapping with a `feeds:` list at the top"])
    problems += _duplicate_names(data, lines, source)
    try:
        config = FeedsConfig.model_validate(data)
    except ValidationError as exc:
        problems += _describe(exc, data, lines, source)
    else:
        # No heartbeat runs during a fetch: a shorter lease would expire mid-fetch
        # and let another worker poll the same feed.
        if config.schedule.lease <= config.fetch.deadline:
            line = _line(lines, ("schedule", "lease"))
            problems.append((line, (
                f"{source}:{line}: schedule.lease ({format_duration(config.schedule.lease)}) must be longer "
                f"than fetch.deadline ({format_duration(config.fetch.deadline)})"
            )))
    if problems:
        # In file order, as an editor would walk through them.
        raise ConfigError(source, [text for _, text in sorted(problems, key=lambda p: p[0])])
    base = base_dir or Path.cwd()
    for feed in config.feeds:
        if not feed.is_http:
            feed._location = _local_path(feed.url, base)
    config._source = source
    return config


def _local_path(url: str, base: Path) -> str:
    if url.lower().startswith("file://"):
        url = url[len("file://") :]
    return str((base / Path(url).expanduser()).resolve())


# libyaml's loader when PyYAML was built with it (it usually is): same results, faster.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(raw: str, source: str) -> tuple[Any, dict[tuple, int], list[tuple[int, str]]]:
    """Parse YAML keeping the line of every key and item (for error messages)
    and reporting duplicate keys, which PyYAML would silently overwrite."""
    lines: dict[tuple, int] = {}
    problems: list[tuple[int, str]] = []
    loader = _Loader(raw)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc)
        return None, lines, [(line, f"{source}:{line}: not valid YAML: {problem}")]
    finally:
        loader.dispose()

    def walk(node, path):
        lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            out = {}
            for key_node, value_node in node.value:
                key = loader.construct_object(key_node, deep=True)
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    key = str(key)
                if key in out:
                    line = key_node.start_mark.line + 1
                    problems.append((line, f"{source}:{line}: duplicate key {key!r}"))
                lines[path + (key,)] = key_node.start_mark.line + 1
                out[key] = walk(value_node, path + (key,))
            return out
        if isinstance(node, yaml.SequenceNode):
            return [walk(item, path + (i,)) for i, item in enumerate(node.value)]
        return loader.construct_object(node, deep=True)

    if node is None:
        return None, lines, [(1, f"{source}:1: the file is empty: expected a `feeds:` list")]
    return walk(node, ()), lines, problems


def _describe(exc: ValidationError, data: dict, lines: dict[tuple, int], source: str) -> list[tuple[int, str]]:
    problems = []
    for err in exc.errors():
        loc, msg = tuple(err["loc"]), err["msg"]
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, ") :]
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        elif err["type"] == "missing":
            msg = "required field is missing"
        elif err["type"] in ("model_type", "dict_type"):
            fields = " of name, url, language, interval, ..." if loc[:1] == ("feeds",) and len(loc) == 2 else ""
            msg = f"expected a mapping{fields}, got {err['input']!r}"
        elif "input" in err and err["type"] not in ("value_error",) and "got" not in msg:
            msg = f"{msg}, got {err['input']!r}"
        line = _line(lines, loc)
        problems.append((line, f"{source}:{line}: {_subject(loc, data)}{msg}"))
    return problems


def _duplicate_names(data: dict, lines: dict[tuple, int], source: str) -> list[tuple[int, str]]:
    feeds = data.get("feeds")
    if not isinstance(feeds, list):
        return []
    first: dict[str, int] = {}
    problems = []
    for i, entry in enumerate(feeds):
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str):
            continue
        if name in first:
            line = _line(lines, ("feeds", i, "name"))
            problems.append((line, (
                f"{source}:{line}: feed {name!r}: name: duplicate name "
                f"(first used on line {_line(lines, ('feeds', first[name], 'name'))}): names must be unique"
            )))
        else:
            first[name] = i
    return problems


def _line(lines: dict[tuple, int], loc: tuple) -> int:
    while loc not in lines and loc:
        loc = loc[:-1]
    return lines.get(loc, 1)


def _subject(loc: tuple, data: dict) -> str:
    """'feed "karabakh-en": interval: ' for a location inside the feeds list."""
    if len(loc) >= 2 and loc[0] == "feeds" and isinstance(loc[1], int):
        feeds = data.get("feeds")
        entry = feeds[loc[1]] if isinstance(feeds, list) and loc[1] < len(feeds) else None
        name = entry.get("name") if isinstance(entry, dict) else None
        label = f"feed {name!r}" if isinstance(name, str) and name else f"feed #{loc[1] + 1}"
        field = ".".join(str(p) for p in loc[2:])
        return f"{label}: {field}: " if field else f"{label}: "
    return ".".join(str(p) for p in loc) + ": " if loc else ""
