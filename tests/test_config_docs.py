"""`.env.example` and the README's configuration table are generated from Settings: they must
not drift."""

from __future__ import annotations

from pathlib import Path

from app.config import Settings, env_name
from app.config_check import check_config
from app.config_docs import README_END, README_START, env_example, markdown_table


def test_env_example_is_current(repo_root: Path) -> None:
    assert (repo_root / ".env.example").read_text() == env_example(), (
        "regenerate with: python -m app.config_docs env-example > .env.example"
    )


def test_env_example_names_every_variable(repo_root: Path) -> None:
    text = (repo_root / ".env.example").read_text()

    for name in Settings.model_fields:
        assert f"{env_name(name)}=" in text


def test_readme_table_is_current(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text()
    table = readme.split(README_START, 1)[1].split(README_END, 1)[0].strip()

    assert table == markdown_table(), "regenerate with: python -m app.config_docs markdown"


def test_env_example_is_a_working_local_configuration(repo_root: Path) -> None:
    report = check_config(env_file=repo_root / ".env.example")

    assert report.ok, report.problems


def test_readme_starts_with_the_two_commands(repo_root: Path) -> None:
    head = (repo_root / "README.md").read_text().split("\n## ", 1)[0]

    assert head.index("make run") < head.index("make test")
