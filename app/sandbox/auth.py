"""Authentication as the real services check it.

- ZGW APIs (Open Zaak, Klanten API 1.0, Open Notificaties): `Authorization: Bearer <JWT>`, HS256,
  secret looked up by the `client_id` claim, `iat` required and at most `JWT_EXPIRY` (3600 s)
  old, no leeway (`specs/zgw-auth.md`). Failures are 403.
- Open Klant 2 and the Objects API: `Authorization: Token <key>`; 401 otherwise.
- Notify: `Authorization: Bearer <JWT>` with `iss` = service id, signed with the key's secret,
  `iat` within 30 s of the server clock (`specs/notify/CONTRACT.md`); 401/403 with AuthError.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import jwt

JWT_EXPIRY_SECONDS = 3600
NOTIFY_CLOCK_SKEW_SECONDS = 30


class AuthFailed(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def check_zgw_jwt(authorization: str | None, clients: Mapping[str, str]) -> str:
    """The client id of a valid ZGW JWT; raises AuthFailed (403) otherwise."""
    if not authorization:
        raise AuthFailed(403, "Authenticatiegegevens zijn niet opgegeven.")
    scheme, _, token = authorization.partition(" ")
    if scheme != "Bearer" or not token:
        raise AuthFailed(403, "Authorization header must be 'Bearer <JWT>'.")
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise AuthFailed(403, "The JWT could not be decoded.") from None
    client_id = unverified.get("client_id")
    if not isinstance(client_id, str) or client_id not in clients:
        raise AuthFailed(403, "Client identifier bestaat niet")
    try:
        claims = jwt.decode(
            token,
            clients[client_id],
            algorithms=["HS256"],
            options={"require": ["iat"], "verify_aud": False},
            leeway=0,
        )
    except jwt.PyJWTError as exc:
        raise AuthFailed(403, f"JWT did not validate: {type(exc).__name__}") from None
    if not isinstance(claims.get("iat"), int):
        raise AuthFailed(403, "iat must be an integer UNIX timestamp")
    if time.time() - claims["iat"] > JWT_EXPIRY_SECONDS:
        raise AuthFailed(403, "The JWT has expired (iat more than JWT_EXPIRY ago)")
    if claims.get("iss") != client_id:
        raise AuthFailed(403, "iss must be the client id")
    return client_id


def check_token(authorization: str | None, token: str) -> None:
    """`Authorization: Token <key>` as Django REST framework's TokenAuthentication reads it."""
    if not authorization:
        raise AuthFailed(401, "Authenticatiegegevens zijn niet opgegeven.")
    scheme, _, value = authorization.partition(" ")
    if scheme != "Token" or value != token:
        raise AuthFailed(401, "Ongeldige token.")


def split_notify_key(api_key: str) -> tuple[str, str]:
    """(service id, secret) as the python client reads them: positions, not separators."""
    return api_key[-73:-37], api_key[-36:]


def check_notify_jwt(authorization: str | None, api_key: str) -> None:
    service_id, secret = split_notify_key(api_key)
    if not authorization:
        raise AuthFailed(401, "Unauthorized: authentication token must be provided")
    if authorization[:7].title() != "Bearer ":
        raise AuthFailed(401, "Unauthorized: authentication bearer scheme must be used")
    token = authorization[7:]
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise AuthFailed(
            403,
            "Invalid token: make sure your API token matches the example at "
            "https://docs.notifications.service.gov.uk/rest-api.html#authorisation-header",
        ) from None
    if header.get("alg") != "HS256":
        raise AuthFailed(403, "Invalid token: algorithm used is not HS256")
    if "iss" not in unverified:
        raise AuthFailed(403, "Invalid token: iss field not provided")
    if unverified["iss"] != service_id:
        raise AuthFailed(403, "Invalid token: service not found")
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], leeway=NOTIFY_CLOCK_SKEW_SECONDS)
    except jwt.PyJWTError:
        raise AuthFailed(403, "Invalid token: API key not found") from None
    iat = claims.get("iat")
    if not isinstance(iat, int) or abs(time.time() - iat) > NOTIFY_CLOCK_SKEW_SECONDS:
        raise AuthFailed(403, "Error: Your system clock must be accurate to within 30 seconds")
