"""``flask complaints erase-contacts``: erase the citizens' contacts 90 days after their complaint ended.

Run it daily (cron or a systemd timer); it is idempotent, and each run that erases something leaves one audit row.
"""

from __future__ import annotations

import click

from ..extensions import db
from ..services.complaints import CONTACT_KEPT_DAYS, erase_old_contacts


@click.group("complaints", help="Complaint housekeeping.")
def complaints() -> None:
    pass


@complaints.command("erase-contacts")
def erase_contacts_command() -> None:
    """Erase the phone number or e-mail of complaints that ended (selesai, ditolak) 90 days ago or more."""
    erased = erase_old_contacts()
    db.session.commit()
    click.echo(f"Erased the contact of {erased} complaint(s) that ended more than {CONTACT_KEPT_DAYS} days ago.")


COMMANDS = (complaints,)
