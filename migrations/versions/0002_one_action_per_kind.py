"""One action of each kind per delivery: what a retry looks the earlier try up by.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_actions") as batch:
        batch.create_unique_constraint(
            "uq_delivery_actions_notification_kind", ["notification_id", "kind"]
        )


def downgrade() -> None:
    with op.batch_alter_table("delivery_actions") as batch:
        batch.drop_constraint("uq_delivery_actions_notification_kind", type_="unique")
