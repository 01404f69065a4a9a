"""feeds.yaml: a good file loads; a bad one gets one clear line per problem, and nothing runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO, run_cli
from tracker.ingest.config import ConfigError, load_config, parse_config, parse_duration, parse_size

GOOD = """\
fetch:
  read_timeout: 2s
  max_bytes: 1MB
feeds:
  - name: karabakh-en
    url: https://example.org/rss.xml
    language: en
    interval: 15m
  - name: local-de
    url: samples/de.xml
    language: de
    interval: 1h30m
    enabled: false
    keywords: [Karabach, Armenien]
"""


def test_a_good_file_loads_with_defaults_and_local_paths_resolved(tmp_path):
    path = tmp_path / "feeds.yaml"
    path.write_text(GOOD)
    config = load_config(path)
    en, de = config.feeds
    assert (en.name, en.language, en.interval, en.enabled, en.is_http) == ("karabakh-en", "en", 900, True, True)
    assert (de.interval, de.enabled, de.keywords, de.is_http) == (5400, False, ["Karabach", "Armenien"], False)
    assert de.location == str(tmp_path / "samples" / "de.xml")  # relative to feeds.yaml, not the cwd
    assert config.fetch.read_timeout == 2 and config.fetch.max_bytes == 1_000_000
    assert config.fetch.connect_timeout == 10 and config.schedule.lease == 120  # defaults


BAD = """\
feeds:
  - name: karabakh-en
    url: ftp://example.org/rss.xml
    language: fr
    interval: 15 minutes
  - name: karabakh-en
    url: https://example.org/other.xml
    language: en
    interval: 1h
    intervall: 2h
  - url: local.xml
    language: de
    interval: 0s
    keywords: []
"""


def test_every_problem_is_one_line_naming_line_feed_and_field():
    with pytest.raises(ConfigError) as caught:
        parse_config(BAD, source="feeds.yaml")
    problems = caught.value.problems
    assert problems == [
        "feeds.yaml:3: feed 'karabakh-en': url: unsupported scheme 'ftp' in 'ftp://example.org/rss.xml': use http://, https:// or a file path",
        "feeds.yaml:4: feed 'karabakh-en': language: Input should be 'de' or 'en', got 'fr'",
        "feeds.yaml:5: feed 'karabakh-en': interval: expected a duration with a unit such as 30s, 15m, 1h or 1d, got '15 minutes'",
        "feeds.yaml:6: feed 'karabakh-en': name: duplicate name (first used on line 2): names must be unique",
        "feeds.yaml:10: feed 'karabakh-en': intervall: unknown field",
        "feeds.yaml:11: feed #3: name: required field is missing",
        "feeds.yaml:13: feed #3: interval: must be between 1s and 7d, got 0s",
        "feeds.yaml:14: feed #3: keywords: an empty keyword list would store nothing: leave `keywords` out to store every entry",
    ]
    assert str(caught.value).startswith("feeds.yaml: 8 problems, nothing was run:\n  feeds.yaml:3: ")


@pytest.mark.parametrize(
    "raw, problem",
    [
        ("", "feeds.yaml:1: the file is empty: expected a `feeds:` list"),
        ("- a\n- b\n", "feeds.yaml:1: expected a mapping with a `feeds:` list at the top"),
        ("feeds:\n  - just a string\n", "feeds.yaml:2: feed #1: expected a mapping of name, url, language, interval, ..., got 'just a string'"),
        ("feeds: []\nfeeds: []\n", "feeds.yaml:2: duplicate key 'feeds'"),
        (
            "feeds:\n  - {name: a, url: 'https://', language: de, interval: 1h}\n",
            "feeds.yaml:2: feed 'a': url: no host in 'https://'",
        ),
        (
            "feeds:\n  - {name: 'a b', url: x.xml, language: de, interval: 1h}\n",
            "feeds.yaml:2: feed 'a b': name: String should match pattern '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$', got 'a b'",
        ),
        (
            "fetch:\n  deadline: 2m\nschedule:\n  lease: 1m\nfeeds: []\n",
            "feeds.yaml:4: schedule.lease (1m) must be longer than fetch.deadline (2m)",
        ),
        ("fetch:\n  max_bytes: lots\nfeeds: []\n", "feeds.yaml:2: fetch.max_bytes: expected a size such as 512KB or 10MB, got 'lots'"),
    ],
)
def test_single_problems(raw, problem):
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, source="feeds.yaml")
    assert caught.value.problems == [problem]


def test_yaml_syntax_errors_name_the_line():
    with pytest.raises(ConfigError) as caught:
        parse_config("feeds:\n  - name: a\n    url: [unclosed\n", source="feeds.yaml")
    (problem,) = caught.value.problems
    # The wording is the YAML parser's (libyaml's when PyYAML has it).
    assert problem.startswith(("feeds.yaml:3: not valid YAML: ", "feeds.yaml:4: not valid YAML: ")), problem


def test_durations_and_sizes():
    assert [parse_duration(v) for v in ("30s", "15m", "1h30m", "1d", "0.5s", "250ms")] == [30, 900, 5400, 86400, 0.5, 0.25]
    for bad in ("15", 15, "15 minutes", "m", "1h x", True):
        with pytest.raises(ValueError):
            parse_duration(bad)
    assert [parse_size(v) for v in ("512KB", "10MB", "1MiB", 2048)] == [512_000, 10_000_000, 1_048_576, 2048]


def test_the_shipped_feeds_yaml_is_valid_and_its_samples_exist():
    config = load_config(REPO / "feeds.yaml")
    enabled = [f for f in config.feeds if f.enabled]
    assert enabled and all(not f.is_http and Path(f.location).is_file() for f in enabled)
    real = [f for f in config.feeds if f.is_http]
    assert {f.language for f in real} == {"de", "en"} and not any(f.enabled for f in real)


def test_ingest_refuses_a_bad_config_and_runs_nothing(tmp_path, sqlite_db):
    path = tmp_path / "feeds.yaml"
    path.write_text(BAD)
    done = run_cli("ingest", "--config", str(path), db_url=sqlite_db.url)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert lines[0] == f"tracker: error: {path}: 8 problems, nothing was run:"
    assert lines[1] == f"  {path}:3: feed 'karabakh-en': url: unsupported scheme 'ftp' in 'ftp://example.org/rss.xml': use http://, https:// or a file path"
    assert len(lines) == 9 and "Traceback" not in done.stderr
    listed = run_cli("feeds", "--format", "json", db_url=sqlite_db.url)
    assert listed.returncode == 0 and listed.stdout.strip() == "[]"  # nothing was registered, let alone polled


def test_missing_config_is_one_line(tmp_path, sqlite_db):
    done = run_cli("ingest", "--config", str(tmp_path / "nope.yaml"), db_url=sqlite_db.url)
    assert done.returncode == 1
    assert f"{tmp_path / 'nope.yaml'}: no such file (give another with --config)" in done.stderr
