"""`.env.example` and the README's configuration table, generated from the Settings class.

    python -m app.config_docs env-example > .env.example
    python -m app.config_docs markdown      # the table between the README's markers

A test fails when either file disagrees with Settings.
"""

from __future__ import annotations

import sys

from app.config import Settings, env_name
from app.config_check import example_for, is_secret

# What `make run` needs to start on its embedded defaults; everything else stays commented.
LOCAL_VALUES = {
    "gateway_environment": "development",
    "database_url": "sqlite+aiosqlite:///./zgw-gateway.db",
    "gateway_notification_auth": "Bearer local-dev-webhook-token",
    "gateway_admin_api_keys": "local-dev-admin-key",
}

README_START = "<!-- config-table:start (generated: python -m app.config_docs markdown) -->"
README_END = "<!-- config-table:end -->"


def _group(name: str) -> str:
    extra = Settings.model_fields[name].json_schema_extra
    return str(extra.get("group", "Other")) if isinstance(extra, dict) else "Other"


def _default(name: str) -> str:
    field = Settings.model_fields[name]
    if field.default_factory is not None:
        return ""
    value = field.default
    if value is None:
        return ""
    describe = getattr(value, "describe", None)
    if callable(describe):
        return "" if value.describe() == "(empty)" else str(describe())
    if hasattr(value, "total_seconds"):
        return f"{int(value.total_seconds())} s"
    return str(value)


def _fields_by_group() -> list[tuple[str, list[str]]]:
    names = list(Settings.model_fields)
    order = list(dict.fromkeys(_group(n) for n in names))
    return [(g, [n for n in names if _group(n) == g]) for g in order]


def env_example() -> str:
    lines = [
        "# zgw-gateway configuration. Every variable the gateway reads, with an example.",
        "# Generated from app/config.py by `python -m app.config_docs env-example`.",
        "# Set lines are what `make run` needs locally; uncomment the rest as you need them.",
        "# OMC variable names are kept: an existing OMC environment file works unchanged.",
    ]
    for group, names in _fields_by_group():
        lines += ["", f"# --- {group} " + "-" * max(3, 70 - len(group))]
        for name in names:
            description = Settings.model_fields[name].description or ""
            lines.append(f"# {description}")
            if name in LOCAL_VALUES:
                lines.append(f"{env_name(name)}={LOCAL_VALUES[name]}")
            else:
                lines.append(f"# {env_name(name)}={example_for(name) or ''}")
    return "\n".join(lines) + "\n"


def markdown_table() -> str:
    rows = [
        "| Variable | Default | Example | Description |",
        "|---|---|---|---|",
    ]
    for group, names in _fields_by_group():
        rows.append(f"| **{group}** | | | |")
        for name in names:
            description = (Settings.model_fields[name].description or "").replace("|", "\\|")
            example = "*(secret)*" if is_secret(name) else f"`{example_for(name) or ''}`"
            default = _default(name)
            rows.append(
                f"| `{env_name(name)}` | {f'`{default}`' if default else ''} | {example} "
                f"| {description} |"
            )
    return "\n".join(rows)


def main(argv: list[str]) -> int:
    if argv == ["env-example"]:
        sys.stdout.write(env_example())
        return 0
    if argv == ["markdown"]:
        sys.stdout.write(markdown_table() + "\n")
        return 0
    print("usage: python -m app.config_docs env-example|markdown", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
