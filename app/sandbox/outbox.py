"""The sandbox's pages for people: an index, and Notify's outbox with each message as the
citizen would see it."""

from __future__ import annotations

import html
from typing import Any

_STYLE = """
body { font-family: system-ui, sans-serif; background: #f3f2f1; margin: 0; padding: 2rem; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
p.lead { color: #505a5f; margin: 0 0 1.5rem; }
article { background: #fff; max-width: 42rem; margin: 0 0 1.5rem; border: 1px solid #b1b4b6; }
header { background: #0b0c0c; color: #fff; padding: .5rem 1rem; font-size: .85rem; }
.meta { color: #505a5f; font-size: .85rem; padding: .75rem 1rem 0; }
.subject { font-weight: bold; padding: .5rem 1rem 0; }
.body { white-space: pre-wrap; padding: .75rem 1rem 1rem; line-height: 1.5; }
.sms .body { background: #e8f0fe; border-radius: 1rem; margin: .75rem 1rem 1rem;
  max-width: 24rem; }
"""


def render_outbox(messages: list[dict[str, Any]]) -> str:
    """A plain HTML page of the sent messages, newest first; every value is escaped."""
    items = []
    for message in reversed(messages):
        kind = "e-mail" if message.get("type") == "email" else "SMS"
        subject = message.get("subject")
        items.append(
            f'<article class="{html.escape(str(message.get("type")))}">'
            f"<header>{kind} to {html.escape(str(message.get('to')))}</header>"
            f'<div class="meta">sent {html.escape(str(message.get("created_at")))} · template '
            f"{html.escape(str(message.get('template_id')))} · reference "
            f"{html.escape(str(message.get('reference')))}</div>"
            + (f'<div class="subject">{html.escape(subject)}</div>' if subject else "")
            + f'<div class="body">{html.escape(str(message.get("body")))}</div></article>'
        )
    empty = "<p>Nothing sent yet. Try <code>zgw-gateway send-example</code>.</p>"
    content = "".join(items) or empty
    return (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        "<title>Sandbox Notify: sent messages</title>"
        f"<style>{_STYLE}</style></head><body>"
        "<h1>Sandbox Notify: sent messages</h1>"
        f'<p class="lead">{len(messages)} message(s). Nothing here left this machine; '
        'the same list as JSON is at <a href="notify/messages">notify/messages</a>.</p>'
        f"{content}</body></html>"
    )


_LINKS = (
    ("notify", "Notify: the messages sent, as the citizen sees them"),
    ("notify/messages", "Notify: the same messages as JSON"),
    ("_sandbox/docs", "Controls: seed cases and examples, inject faults, read what was received"),
    ("_sandbox/abonnementen", "Open Notificaties: the abonnementen"),
    ("zaken/api/v1/zaken", "Open Zaak: the zaken (needs a ZGW JWT, as the real one)"),
)


def render_index(base_url: str) -> str:
    items = "".join(
        f'<li><a href="{html.escape(base_url)}/{path}">{html.escape(path)}</a>: '
        f"{html.escape(text)}</li>"
        for path, text in _LINKS
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>zgw-gateway sandbox</title><style>{_STYLE}</style></head><body>"
        "<h1>zgw-gateway sandbox</h1>"
        '<p class="lead">Stand-ins for Open Zaak, Open Klant, the Objects API, Open Notificaties '
        "and Notify NL. Nothing here reaches a real service or a citizen.</p>"
        f"<ul>{items}</ul></body></html>"
    )
