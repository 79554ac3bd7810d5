"""Work through a backlog in bounded batches: each periodic run stays short, a backlog drains over runs."""
from __future__ import annotations


def drain(purge_batch, *, batch: int, batches: int) -> int:
    """Run `purge_batch(limit=batch)` until a batch comes back short or `batches` ran; returns the total handled."""
    total = 0
    for _ in range(batches):
        deleted = purge_batch(limit=batch)
        total += deleted
        if deleted < batch:
            break
    return total
