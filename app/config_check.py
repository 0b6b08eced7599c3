"""Configuration problems in plain words: what `check-config` prints and `serve` refuses on.

A problem names the variable, says what is wrong and shows an example of a right value. Secret
values are never repeated back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr, ValidationError

from app.config import PLACEHOLDER_SECRETS, Settings, env_name


@dataclass(frozen=True)
class Problem:
    variable: str
    message: str
    example: str | None = None

    def __str__(self) -> str:
        text = f"{self.variable}: {self.message}"
        if self.example is not None:
            text += f" (example: {self.variable}={self.example})"
        return text


@dataclass(frozen=True)
class ConfigReport:
    settings: Settings | None
    problems: list[Problem]
    warnings: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.problems


def _field_extra(name: str) -> dict[str, Any]:
    extra = Settings.model_fields[name].json_schema_extra
    return extra if isinstance(extra, dict) else {}


def is_secret(name: str) -> bool:
    return bool(_field_extra(name).get("secret"))


def example_for(name: str) -> str | None:
    examples = Settings.model_fields[name].examples
    return str(examples[0]) if examples else None


def _from_validation_error(error: ValidationError) -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        loc = item.get("loc") or ("?",)
        name = str(loc[0])
        if name not in Settings.model_fields:
            problems.append(Problem(name.upper(), item["msg"]))
            continue
        message = item["msg"].removeprefix("Value error, ")
        if not is_secret(name) and "input" in item and isinstance(item["input"], str | int):
            message += f"; got {item['input']!r}"
        problems.append(Problem(env_name(name), message, example_for(name)))
    return problems


def _secret_values(settings: Settings, name: str) -> list[str]:
    value = getattr(settings, name)
    if isinstance(value, SecretStr):
        return [value.get_secret_value()]
    if isinstance(value, list):
        return [v.get_secret_value() for v in value if isinstance(v, SecretStr)]
    return []


def _looks_like_placeholder(secret: str, example: str | None) -> bool:
    bare = secret.split(" ", 1)[-1].strip().lower()
    return bare in PLACEHOLDER_SECRETS or (example is not None and secret == example)


def semantic_problems(settings: Settings) -> tuple[list[Problem], list[Problem]]:
    problems: list[Problem] = []
    warnings: list[Problem] = []

    if not settings.gateway_notification_auth and settings.omc_auth_jwt_secret is None:
        problems.append(
            Problem(
                "GATEWAY_NOTIFICATION_AUTH",
                "no webhook credentials are configured, so every notification would be refused; "
                "set GATEWAY_NOTIFICATION_AUTH (or OMC_AUTH_JWT_SECRET)",
                example_for("gateway_notification_auth"),
            )
        )
    if (settings.zgw_auth_jwt_secret is None) != (settings.zgw_auth_jwt_issuer is None):
        missing = (
            "ZGW_AUTH_JWT_ISSUER" if settings.zgw_auth_jwt_issuer is None else "ZGW_AUTH_JWT_SECRET"
        )
        problems.append(
            Problem(
                missing,
                "ZGW tokens need both ZGW_AUTH_JWT_SECRET and ZGW_AUTH_JWT_ISSUER",
                example_for(missing.lower()),
            )
        )
    if not settings.gateway_admin_api_keys:
        warnings.append(
            Problem(
                "GATEWAY_ADMIN_API_KEYS",
                "empty: the admin API (delivery trace) answers 403 to everyone",
                example_for("gateway_admin_api_keys"),
            )
        )

    if settings.gateway_sandbox and settings.configured_endpoints():
        problems.append(
            Problem(
                "GATEWAY_SANDBOX",
                "the sandbox cannot be combined with real endpoints ("
                + ", ".join(settings.configured_endpoints())
                + "); unset GATEWAY_SANDBOX to use them, or unset them to try the sandbox",
                "false",
            )
        )
    if settings.gateway_sandbox and settings.gateway_environment == "production":
        problems.append(
            Problem(
                "GATEWAY_SANDBOX",
                "the sandbox only runs with GATEWAY_ENVIRONMENT=development; in production "
                "configure the real endpoints (ZGW_ENDPOINT_*, NOTIFY_API_BASEURL)",
                "false",
            )
        )

    if settings.gateway_environment == "production":
        for name in Settings.model_fields:
            if not is_secret(name):
                continue
            for secret in _secret_values(settings, name):
                if _looks_like_placeholder(secret, example_for(name)):
                    problems.append(
                        Problem(
                            env_name(name),
                            "looks like a placeholder or documentation example; set a real "
                            "secret (or GATEWAY_ENVIRONMENT=development for local use)",
                        )
                    )
                    break
        jwt_secret = settings.omc_auth_jwt_secret
        if jwt_secret is not None and len(jwt_secret.get_secret_value().encode()) < 32:
            problems.append(
                Problem(
                    "OMC_AUTH_JWT_SECRET",
                    "shorter than 32 bytes, too weak for HS256 in production",
                    example_for("omc_auth_jwt_secret"),
                )
            )
        if settings.is_sqlite:
            warnings.append(
                Problem(
                    "DATABASE_URL",
                    "SQLite suits a single instance; use PostgreSQL to run several API replicas "
                    "or workers",
                    example_for("database_url"),
                )
            )
    return problems, warnings


def check_config(env_file: str | Path | None = ".env") -> ConfigReport:
    try:
        settings = Settings(_env_file=env_file)
    except ValidationError as error:
        return ConfigReport(None, _from_validation_error(error), [])
    problems, warnings = semantic_problems(settings)
    return ConfigReport(settings, problems, warnings)
