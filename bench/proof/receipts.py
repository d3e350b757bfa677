"""Receipts and their reconciliation against the database: what clients were told, against what was stored.

Pure logic (no HTTP, no database) so ``tests/test_bench_proof.py`` can check it fails when it should.

A *survey receipt* is one citizen's form: the hidden ``submission_key`` it posted (every retry posts the same form
again) and whether the app accepted it (303 to the thank-you page). An *event receipt* is one ticket event a
queue machine sent in a batch, keyed as the API keys it (external_id, event, at), and whether a 200 answer said
``stored`` or ``already_stored`` for it.

- **lost**: accepted, but not in the database;
- **duplicated**: more rows for a receipt than one (a retried form or batch stored twice), plus rows carrying
  the harness's mark that no client ever sent;
- **half-written**: a batch that was never acknowledged (the answer was lost, or the database went away) and is
  in the database only in part; an unacknowledged survey form is whole or absent by construction (one row);
- **unknown outcome**: sent, never acknowledged; stored or not, both are correct (the client was never told).
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable
from dataclasses import dataclass, field

EventKey = tuple[str, str, str]  # external_id, event, at (UTC, ISO 8601 to the second)


@dataclass
class SurveyReceipt:
    submission_key: str
    accepted: bool = False
    attempts: int = 0


@dataclass
class BatchReceipt:
    """One batch of events as a queue machine sends it, resent as is until a 200 answer (or it gives up)."""

    events: list[EventKey]
    acknowledged: set[EventKey] = field(default_factory=set)  # stored / already_stored in a 200 answer
    refused: set[EventKey] = field(default_factory=set)  # answered with an error for that item
    attempts: int = 0

    @property
    def answered(self) -> bool:
        return bool(self.acknowledged or self.refused)


@dataclass
class Reconciliation:
    receipts: int = 0  # forms / events the clients sent
    accepted: int = 0  # of which the app said it stored
    stored: int = 0  # rows found for them
    lost: int = 0
    duplicated: int = 0
    half_written: int = 0  # unacknowledged batches found in part
    unknown_stored: int = 0  # never acknowledged, found stored
    unknown_absent: int = 0  # never acknowledged, not stored
    refused_but_stored: int = 0  # answered as an error, found stored all the same
    examples: list[str] = field(default_factory=list)  # a few keys behind the failures, for the report

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.half_written or self.refused_but_stored)

    def note(self, text: str) -> None:
        if len(self.examples) < 5:
            self.examples.append(text)


def reconcile_surveys(receipts: Iterable[SurveyReceipt], stored_keys: Iterable[str]) -> Reconciliation:
    """``stored_keys``: the submission_key of every row carrying the harness's mark (repeats kept)."""
    rows = Tally(stored_keys)
    result = Reconciliation()
    sent = set()
    for receipt in receipts:
        result.receipts += 1
        sent.add(receipt.submission_key)
        found = rows.get(receipt.submission_key, 0)
        result.stored += min(found, 1)
        if found > 1:
            result.duplicated += found - 1
            result.note(f"form {receipt.submission_key} stored {found} times")
        if receipt.accepted:
            result.accepted += 1
            if not found:
                result.lost += 1
                result.note(f"form {receipt.submission_key} accepted but not stored")
        elif found:
            result.unknown_stored += 1
        else:
            result.unknown_absent += 1
    strangers = sum(n for key, n in rows.items() if key not in sent)
    if strangers:
        result.duplicated += strangers
        result.note(f"{strangers} stored rows whose form no client posted")
    return result


def reconcile_events(batches: Iterable[BatchReceipt], stored: Iterable[EventKey]) -> Reconciliation:
    """``stored``: the key of every ticket_events row of the harness's tickets (repeats kept)."""
    rows = Tally(stored)
    result = Reconciliation()
    sent: set[EventKey] = set()
    for batch in batches:
        found_in_batch = 0
        for key in batch.events:
            result.receipts += 1
            first = key not in sent
            sent.add(key)
            found = rows.get(key, 0)
            found_in_batch += bool(found)
            if first:
                result.stored += min(found, 1)
                if found > 1:
                    result.duplicated += found - 1
                    result.note(f"event {key} stored {found} times")
            if key in batch.acknowledged:
                result.accepted += 1
                if not found:
                    result.lost += 1
                    result.note(f"event {key} acknowledged but not stored")
            elif key in batch.refused:
                if found:
                    result.refused_but_stored += 1
                    result.note(f"event {key} refused but stored")
            elif found:
                result.unknown_stored += 1
            else:
                result.unknown_absent += 1
        if not batch.answered and 0 < found_in_batch < len(batch.events):
            result.half_written += 1
            result.note(f"unacknowledged batch stored {found_in_batch} of {len(batch.events)} events")
    strangers = sum(n for key, n in rows.items() if key not in sent)
    if strangers:
        result.duplicated += strangers
        result.note(f"{strangers} stored events that no client sent")
    return result
