"""Stand-ins for the upstream APIs (Open Zaak, Open Klant, Objects API, Notify).

For tests, benchmarks and demos.

They check authentication as the real services do, hold realistic seeded data, record what they
receive, fail on command, and validate every exchange against the official OpenAPI files.
"""

from app.sandbox.app import Sandbox, SandboxConfig, create_sandbox
from app.sandbox.seed import DecisionCase
from app.sandbox.services.notify import DECISION_EMAIL_TEMPLATE_ID, DECISION_SMS_TEMPLATE_ID
from app.sandbox.services.objects import MESSAGE_OBJECTTYPE_UUID, TASK_OBJECTTYPE_UUID
from app.sandbox.state import Fault, RecordedRequest

__all__ = [
    "DECISION_EMAIL_TEMPLATE_ID",
    "DECISION_SMS_TEMPLATE_ID",
    "MESSAGE_OBJECTTYPE_UUID",
    "TASK_OBJECTTYPE_UUID",
    "DecisionCase",
    "Fault",
    "RecordedRequest",
    "Sandbox",
    "SandboxConfig",
    "create_sandbox",
]
