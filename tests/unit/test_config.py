"""Settings come from CHATPORT_* variables, and a bad one names itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatport.config import Settings, load_settings


def test_defaults_are_the_embedded_setup() -> None:
    settings = load_settings({}, env_file=None)
    assert settings.host == "127.0.0.1"
    assert settings.port == 8000
    assert not settings.is_postgres
    assert settings.redis_url is None
    assert settings.sqlite_path == Path("data/chatport.db")


def test_variables_are_read_and_lists_split() -> None:
    settings = load_settings(
        {
            "CHATPORT_PORT": "9001",
            "CHATPORT_DATABASE_URL": "postgresql://u@h/db",
            "CHATPORT_CORS_ORIGINS": "https://a.example, https://b.example",
            "CHATPORT_LOG_FORMAT": "json",
            "UNRELATED": "ignored",
        },
        env_file=None,
    )
    assert settings.port == 9001
    assert settings.is_postgres
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.log_format == "json"


def test_env_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("CHATPORT_PORT=7000\nCHATPORT_HOST=0.0.0.0\n")
    settings = load_settings({"CHATPORT_PORT": "7001"}, env_file=env_file)
    assert settings.port == 7001
    assert settings.host == "0.0.0.0"


@pytest.mark.parametrize(
    ("name", "value"),
    [("CHATPORT_PORT", "eighty"), ("CHATPORT_LOG_FORMAT", "xml")],
)
def test_a_bad_value_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        load_settings({name: value}, env_file=None)


def test_sqlite_url_gives_the_file() -> None:
    assert Settings(database_url="sqlite:///tmp/x.db").sqlite_path == Path("tmp/x.db")
    assert Settings(database_url="sqlite:////abs/x.db").sqlite_path == Path("/abs/x.db")
