"""The ZGW JWT: claims, header and signature, fresh for every request."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import jwt
import pytest
import respx

from app.clients import zgw as zgw_module
from app.clients.zgw import ZgwClient, ZgwJwtAuth, zgw_auth_from_settings
from app.config import Settings
from tests.clients.conftest import ZAKEN, ZGW_CLIENT_ID, ZGW_SECRET

ZAAK = f"{ZAKEN}/zaken/4a2b6c1d-8e3f-4a5b-9c7d-1e2f3a4b5c6d"


def bearer_token(request: respx.models.Call) -> str:
    scheme, _, token = request.request.headers["Authorization"].partition(" ")
    assert scheme == "Bearer"
    return token


async def test_each_request_carries_a_fresh_signed_jwt(
    zgw: ZgwClient, mock_router: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = itertools.count(1_700_000_000.7, 5)
    monkeypatch.setattr(zgw_module, "time", SimpleNamespace(time=lambda: next(clock)))
    route = mock_router.get(ZAAK).respond(json={"url": ZAAK})

    await zgw.get(ZAAK)
    await zgw.get(ZAAK)

    tokens = [bearer_token(call) for call in route.calls]
    claims = [
        jwt.decode(t, ZGW_SECRET, algorithms=["HS256"], options={"verify_iat": False})
        for t in tokens
    ]
    assert claims[0] == {
        "iss": ZGW_CLIENT_ID,
        "iat": 1_700_000_000,
        "client_id": ZGW_CLIENT_ID,
        "user_id": "gateway-user",
        "user_representation": "ZGW Gateway",
    }
    assert claims[1]["iat"] == 1_700_000_005
    assert jwt.get_unverified_header(tokens[0]) == {"alg": "HS256", "typ": "JWT"}
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(tokens[0], "another-secret-0123456789abcdef01234", algorithms=["HS256"])


def test_user_claims_default_to_the_client() -> None:
    token = ZgwJwtAuth(ZGW_CLIENT_ID, ZGW_SECRET, None, None).token()
    claims = jwt.decode(token, ZGW_SECRET, algorithms=["HS256"])
    assert claims["user_id"] == ZGW_CLIENT_ID
    assert claims["user_representation"] == "zgw-gateway"
    assert isinstance(claims["iat"], int)


def test_auth_from_settings() -> None:
    configured = Settings(
        _env_file=None,
        zgw_auth_jwt_secret=ZGW_SECRET,
        zgw_auth_jwt_issuer=ZGW_CLIENT_ID,
        zgw_auth_jwt_userid="uid",
        zgw_auth_jwt_username="Gateway",
    )
    auth = zgw_auth_from_settings(configured)
    assert auth is not None
    claims = jwt.decode(auth.token(), ZGW_SECRET, algorithms=["HS256"])
    assert (claims["iss"], claims["user_id"], claims["user_representation"]) == (
        ZGW_CLIENT_ID,
        "uid",
        "Gateway",
    )
    assert zgw_auth_from_settings(Settings(_env_file=None, zgw_auth_jwt_secret=ZGW_SECRET)) is None
    assert zgw_auth_from_settings(Settings(_env_file=None, zgw_auth_jwt_issuer="x")) is None
