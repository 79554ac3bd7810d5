"""EventSource has no wildcard listener, so the browser listens to a list of event types
(holdfast.js KNOWN_EVENTS): every event type the code emits by name must be on it, or screens
never hear of it."""
from __future__ import annotations

import re
from pathlib import Path

import holdfast

ROOT = Path(holdfast.__file__).parent
EMIT = re.compile(r'emit\([\w.]+,\s*"([^"{}]+)"')
EVENT_ARG = re.compile(r'event="([a-z_.]+:[a-z_]+)"')


def _known_events() -> set[str]:
    script = (ROOT / "web/static/web/holdfast.js").read_text()
    block = re.search(r"var KNOWN_EVENTS = \[(.*?)\];", script, re.S).group(1)
    return set(re.findall(r'"([^"]+)"', block))


def test_every_event_the_code_emits_by_name_is_one_the_browser_listens_to():
    emitted = set()
    for path in ROOT.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text()
        emitted |= set(EMIT.findall(text)) | set(EVENT_ARG.findall(text))
    assert emitted, "the scan found no emit() calls: the pattern is out of date"
    missing = sorted(emitted - _known_events())
    assert not missing, f"add these to KNOWN_EVENTS in holdfast/web/static/web/holdfast.js: {missing}"
