"""What the sandbox holds: resources, what it received and sent, the faults to inject.

The sandbox runs in its own thread (or process) while a test reads this state, so every change
goes through one lock and readers get copies.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RecordedRequest:
    service: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    status: int


@dataclass
class Fault:
    """Answer `status` (after `delay_ms`) instead of the real response, `count` times."""

    service: str
    status: int
    count: int | None = 1  # None: until cleared
    delay_ms: int = 0
    method: str | None = None
    path_contains: str | None = None
    retry_after: int | None = None
    body: Any = None
    # "before": answer instead of the service; "after": let the service act, then answer the
    # fault (the response is lost, the side effect is not).
    when: str = "before"

    def matches(self, service: str, method: str, path: str) -> bool:
        return (
            self.service == service
            and (self.method is None or self.method == method)
            and (self.path_contains is None or self.path_contains in path)
            and (self.count is None or self.count > 0)
        )


@dataclass
class SandboxState:
    base_url: str
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> resource
    requests: list[RecordedRequest] = field(default_factory=list)
    contract_violations: list[str] = field(default_factory=list)
    notify_messages: list[dict[str, Any]] = field(default_factory=list)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)  # url -> object
    faults: list[Fault] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def path_of(self, url: str) -> str:
        if not url.startswith(self.base_url):
            raise ValueError(f"{url} is not a sandbox URL")
        return url[len(self.base_url) :].split("?", 1)[0]

    def put(self, resource: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.resources[self.path_of(resource["url"])] = resource
        return resource

    def get(self, path: str) -> dict[str, Any] | None:
        with self.lock:
            return self.resources.get(path.rstrip("/"))

    def find(self, collection_path: str) -> Iterator[dict[str, Any]]:
        """Every resource directly under a collection path, e.g. `/zaken/api/v1/rollen`."""
        prefix = collection_path.rstrip("/") + "/"
        with self.lock:
            found = [
                r
                for p, r in self.resources.items()
                if p.startswith(prefix) and "/" not in p[len(prefix) :]
            ]
        return iter(found)

    def next_number(self, name: str) -> int:
        with self.lock:
            self.counters[name] = self.counters.get(name, 0) + 1
            return self.counters[name]

    def take_fault(self, service: str, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(service, method, path):
                    if fault.count is not None:
                        fault.count -= 1
                    return fault
        return None

    def record(self, request: RecordedRequest) -> None:
        with self.lock:
            self.requests.append(request)

    def violation(self, text: str) -> None:
        with self.lock:
            self.contract_violations.append(text)
