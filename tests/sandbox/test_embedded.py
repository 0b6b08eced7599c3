"""When `serve` mounts the sandbox, and what the settings look like when it does."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import Settings
from app.config_check import semantic_problems
from app.sandbox.embedded import embedded_sandbox, settings_for_sandbox
from app.sandbox.outbox import render_outbox
from app.sandbox.seed import DEFAULT_ZAAKTYPE_IDENTIFICATIE


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "enabled"),
    [
        ({"gateway_environment": "development"}, True),
        ({"gateway_environment": "production"}, False),
        (
            {
                "gateway_environment": "development",
                "zgw_endpoint_openzaak": "https://oz.gemeente.nl/zaken/api/v1",
            },
            False,
        ),
        (
            {"gateway_environment": "development", "notify_api_baseurl": "https://api.notifynl.nl"},
            False,
        ),
        ({"gateway_environment": "development", "gateway_sandbox": "false"}, False),
        ({"gateway_environment": "production", "gateway_sandbox": "true"}, True),
    ],
)
def test_sandbox_is_on_only_without_real_endpoints(values: dict[str, str], enabled: bool) -> None:
    assert _settings(**values).sandbox_enabled is enabled


def test_sandbox_with_real_endpoints_or_in_production_is_a_problem() -> None:
    mixed = _settings(
        gateway_environment="production",
        gateway_sandbox="true",
        zgw_endpoint_objecten="https://objecten.gemeente.nl/api/v2",
    )
    problems, _ = semantic_problems(mixed)
    messages = [str(p) for p in problems if p.variable == "GATEWAY_SANDBOX"]
    assert len(messages) == 2
    assert "ZGW_ENDPOINT_OBJECTEN" in messages[0]
    assert "GATEWAY_ENVIRONMENT=development" in messages[1]


def test_sandbox_settings_point_everything_at_the_sandbox_and_keep_explicit_choices() -> None:
    base = "http://127.0.0.1:8000/sandbox"
    defaults = settings_for_sandbox(_settings(gateway_environment="development"), base)
    chosen = settings_for_sandbox(
        _settings(gateway_environment="development", zgw_whitelist_decisionmade_ids="OTHER"), base
    )
    assert defaults.zgw_endpoint_openzaak == f"{base}/zaken/api/v1"
    assert defaults.notify_api_baseurl == base
    assert defaults.endpoint_origins() == frozenset({"http://127.0.0.1:8000"})
    assert defaults.zgw_whitelist_decisionmade_ids.values == {DEFAULT_ZAAKTYPE_IDENTIFICATIE}
    assert defaults.notify_templateid_email_decisionmade is not None
    # What the operator set is kept, so a skip can be tried out on the sandbox too.
    assert chosen.zgw_whitelist_decisionmade_ids.values == {"OTHER"}


def test_outbox_page_escapes_what_it_shows() -> None:
    page = render_outbox(
        [
            {
                "type": "email",
                "to": "a@example.nl",
                "subject": "<b>Besluit</b>",
                "body": "<script>alert(1)</script>",
                "reference": "r",
                "template_id": "t",
                "created_at": "2026-12-04T10:00:00Z",
            }
        ]
    )
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;Besluit&lt;/b&gt;" in page


def test_without_the_openapi_files_the_embedded_sandbox_runs_unchecked(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The container image leaves `specs/` out; GATEWAY_SANDBOX=true must still start."""
    monkeypatch.setenv("ZGW_GATEWAY_SPECS_DIR", str(tmp_path / "absent"))
    assert embedded_sandbox("http://127.0.0.1:8000/sandbox").contracts is None
    monkeypatch.delenv("ZGW_GATEWAY_SPECS_DIR")
    assert embedded_sandbox("http://127.0.0.1:8000/sandbox").contracts is not None
