"""Settings: OMC variable names, list and whitelist parsing, and the problems check-config finds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.config import Settings
from app.config_check import check_config

OMC_ENV = {
    "OMC_AUTH_JWT_SECRET": "an-omc-secret-of-more-than-32-bytes-0123456789",
    "OMC_AUTH_JWT_ISSUER": "OMC",
    "OMC_AUTH_JWT_AUDIENCE": "OMC",
    "OMC_AUTH_JWT_EXPIRESINMIN": "60",
    "OMC_FEATURE_WORKFLOW_VERSION": "1",
    "ZGW_AUTH_JWT_SECRET": "zgw-secret-0123456789abcdef0123456789",
    "ZGW_AUTH_JWT_ISSUER": "omc-client",
    "ZGW_ENDPOINT_OPENZAAK": "https://openzaak.gemeente.nl/zaken/api/v1/",
    "ZGW_ENDPOINT_BESLUITEN": "https://openzaak.gemeente.nl/besluiten/api/v1",
    "ZGW_ENDPOINT_OPENKLANT": "https://openklant.gemeente.nl/klantinteracties/api/v1",
    "ZGW_WHITELIST_DECISIONMADE_IDS": "ZT-1, ZT-2",
    "ZGW_WHITELIST_ZAAKCREATE_IDS": "*",
    "ZGW_VARIABLE_OBJECTTYPE_DECISIONINFOOBJECTTYPE_UUIDS": "3a1f6c2e-5b7d-4e8f-9a0b-1c2d3e4f5a6b",
    "ZGW_WHITELIST_MESSAGE_ALLOWED": "true",
    "NOTIFY_API_KEY": "gemeente-5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d-1b2c3d4e-5f6a-4b7c-8d9e-0f1a",
    "NOTIFY_TEMPLATEID_DECISIONMADE": "8a1b2c3d-4e5f-4a6b-9c8d-7e6f5a4b3c21",
    "NOTIFY_TEMPLATEID_LETTER_ZAAKCREATE": "not used by the gateway, ignored",
    "SENTRY_DSN": "https://ignored@sentry.example/1",
    "GATEWAY_NOTIFICATION_AUTH": "Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0,Token second-value-123",
    "GATEWAY_ADMIN_API_KEYS": "k1-0123456789abcdef,k2-0123456789abcdef",
    "GATEWAY_ALLOWED_ORIGINS": "https://documenten.gemeente.nl/some/path",
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name in list(os.environ):
        if name.startswith(("OMC_", "ZGW_", "NOTIFY_", "GATEWAY_")) or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    for name, value in OMC_ENV.items():
        monkeypatch.setenv(name, value)
    return OMC_ENV


def test_an_omc_environment_loads_unchanged(env: dict[str, str]) -> None:
    settings = Settings(_env_file=None)

    assert settings.omc_feature_workflow_version == 1
    assert settings.zgw_endpoint_openzaak == "https://openzaak.gemeente.nl/zaken/api/v1"
    assert settings.zgw_whitelist_decisionmade_ids.allows("ZT-2")
    assert not settings.zgw_whitelist_decisionmade_ids.allows("ZT-3")
    assert settings.zgw_whitelist_zaakcreate_ids.allows("anything")
    assert not settings.zgw_whitelist_zaakupdate_ids.allows("anything")
    assert settings.zgw_whitelist_message_allowed is True
    assert [s.get_secret_value() for s in settings.gateway_notification_auth] == [
        "Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0",
        "Token second-value-123",
    ]
    assert settings.endpoint_origins() == {
        "https://openzaak.gemeente.nl",
        "https://openklant.gemeente.nl",
        "https://documenten.gemeente.nl",
    }
    assert settings.database_url == "sqlite+aiosqlite:///./zgw-gateway.db"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db/gw", "postgresql+asyncpg://u:p@db/gw"),
        ("postgresql://u:p@db/gw", "postgresql+asyncpg://u:p@db/gw"),
        ("sqlite:///./x.db", "sqlite+aiosqlite:///./x.db"),
    ],
)
def test_plain_database_urls_get_the_async_driver(
    env: dict[str, str], given: str, expected: str
) -> None:
    assert Settings(_env_file=None, database_url=given).database_url == expected


def test_good_environment_has_no_problems(env: dict[str, str]) -> None:
    report = check_config(env_file=None)

    assert report.problems == []
    assert report.ok


def test_each_broken_variable_is_reported_with_an_example(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZGW_ENDPOINT_OPENZAAK", "openzaak.gemeente.nl")
    monkeypatch.setenv("NOTIFY_TEMPLATEID_DECISIONMADE", "template-1")
    monkeypatch.setenv("OMC_FEATURE_WORKFLOW_VERSION", "3")
    monkeypatch.setenv("GATEWAY_MAX_BODY_BYTES", "lots")

    report = check_config(env_file=None)

    named = {p.variable: p for p in report.problems}
    assert set(named) == {
        "ZGW_ENDPOINT_OPENZAAK",
        "NOTIFY_TEMPLATEID_DECISIONMADE",
        "OMC_FEATURE_WORKFLOW_VERSION",
        "GATEWAY_MAX_BODY_BYTES",
    }
    assert named["ZGW_ENDPOINT_OPENZAAK"].example == "https://openzaak.gemeente.nl/zaken/api/v1"
    assert "openzaak.gemeente.nl" in named["ZGW_ENDPOINT_OPENZAAK"].message


def test_production_refuses_placeholder_and_weak_secrets(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATEWAY_NOTIFICATION_AUTH", "Bearer changeme")
    monkeypatch.setenv("OMC_AUTH_JWT_SECRET", "short")

    production = check_config(env_file=None)
    monkeypatch.setenv("GATEWAY_ENVIRONMENT", "development")
    development = check_config(env_file=None)

    assert {p.variable for p in production.problems} == {
        "GATEWAY_NOTIFICATION_AUTH",
        "OMC_AUTH_JWT_SECRET",
    }
    assert development.ok


def test_webhook_without_any_credentials_is_a_problem(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GATEWAY_NOTIFICATION_AUTH")
    monkeypatch.delenv("OMC_AUTH_JWT_SECRET")

    report = check_config(env_file=None)

    assert [p.variable for p in report.problems] == ["GATEWAY_NOTIFICATION_AUTH"]


def _check_config_cli(env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OMC_", "ZGW_", "NOTIFY_", "GATEWAY_"))
    }
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "check-config"],
        env={**clean, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_check_config_command_on_a_good_environment(tmp_path: Path, repo_root: Path) -> None:
    env = {**OMC_ENV, "PYTHONPATH": str(repo_root)}

    result = _check_config_cli(env, tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "configuration ok" in result.stdout


def test_check_config_command_on_a_broken_environment(tmp_path: Path, repo_root: Path) -> None:
    secret = "Bearer changeme"
    env = {
        **OMC_ENV,
        "PYTHONPATH": str(repo_root),
        "GATEWAY_NOTIFICATION_AUTH": secret,
        "ZGW_ENDPOINT_BESLUITEN": "ftp://besluiten",
    }
    # The .env file in the working directory is read too.
    (tmp_path / ".env").write_text("GATEWAY_WORKER_CONCURRENCY=0\n")

    result = _check_config_cli(env, tmp_path)

    assert result.returncode == 1
    assert "ZGW_ENDPOINT_BESLUITEN" in result.stdout
    assert "GATEWAY_WORKER_CONCURRENCY" in result.stdout
    assert "example:" in result.stdout
    assert "Value error" not in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_check_config_never_prints_secrets(tmp_path: Path, repo_root: Path) -> None:
    env = {
        **OMC_ENV,
        "PYTHONPATH": str(repo_root),
        "GATEWAY_NOTIFICATION_AUTH": "Bearer changeme",
        "OMC_AUTH_JWT_SECRET": "tiny-secret-value",
    }

    result = _check_config_cli(env, tmp_path)

    assert result.returncode == 1
    assert "GATEWAY_NOTIFICATION_AUTH" in result.stdout
    assert "changeme" not in result.stdout
    assert "tiny-secret-value" not in result.stdout
