"""bench/RESULTS.md holds one section per benchmark; each benchmark rewrites only its own."""

from __future__ import annotations

from pathlib import Path

RESULTS_PATH = Path(__file__).resolve().parent / "RESULTS.md"

HEADER = """# Benchmark results

Each section is written by the benchmark named in it; rerunning one refreshes only its section.
"""


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"


def write_section(name: str, text: str, path: Path = RESULTS_PATH) -> None:
    """Put `text` between the section's markers, replacing what was there (or append it)."""
    start, end = _markers(name)
    block = f"{start}\n{text.strip()}\n{end}"
    current = path.read_text() if path.exists() else HEADER
    if start in current and end in current:
        before, rest = current.split(start, 1)
        _, after = rest.split(end, 1)
        updated = before + block + after
    else:
        updated = current.rstrip() + "\n\n" + block + "\n"
    path.write_text(updated)
