"""Human words for the codes the system stores (issue 15 item 3): people never read ROOM_CHARGE,
DOWN_PAYMENT or "hotel.reservation". Known codes have a translatable label; any other code is
humanised ("LATE_FEE" -> "Late fee") so a new code is readable before it is named here."""
from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

CODE_LABELS = {
    # ledger entry and invoice line codes
    "ROOM_CHARGE": _("Room charge"), "FEE": _("Fee"), "TAX": _("Tax"), "EXTRA": _("Extra"), "ADJUSTMENT": _("Adjustment"),
    "PAYMENT": _("Payment"), "REFUND": _("Refund"), "CREDIT": _("Credit"), "CHARGE": _("Charge"), "BASE": _("Base price"),
    # payment kinds and methods
    "TOKEN": _("Token payment"), "DOWN_PAYMENT": _("Down payment"), "INSTALMENT": _("Instalment"), "BALANCE": _("Balance"),
    "DEPOSIT": _("Deposit"), "PREPAYMENT": _("Prepayment"), "CARD": _("Card"), "CASH": _("Cash"), "BANK_TRANSFER": _("Bank transfer"),
    "STRIPE": _("Card (online)"), "OTHER": _("Other"),
    # room states
    "VACANT_CLEAN": _("Vacant, clean"), "VACANT_DIRTY": _("Vacant, dirty"), "OCCUPIED_CLEAN": _("Occupied, clean"),
    "OCCUPIED_DIRTY": _("Occupied, dirty"), "OUT_OF_ORDER": _("Out of order"), "OUT_OF_SERVICE": _("Out of service"), "INSPECTED": _("Inspected"),
}

SOURCE_APPS = {"estate": _("Real estate"), "hotel": _("Hotel"), "storage": _("Storage"), "apartments": _("Apartments"), "petcare": _("Pet care"), "billing": _("Billing")}


def code_label(code) -> str:
    """'ROOM_CHARGE' -> 'Room charge'; '' -> '—'."""
    text = str(code or "").strip()
    if not text:
        return "—"
    if text in CODE_LABELS:
        return str(CODE_LABELS[text])
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", text) or not (text.isupper() or text.islower()):
        return text  # already words ("Walk 30 min", a service's name)
    words = re.sub(r"[_.-]+", " ", text).strip().lower()
    return words[:1].upper() + words[1:]


def source_label(source) -> str:
    """'hotel.reservation' -> 'Hotel'; '' -> 'Direct' (money recorded without a booking)."""
    text = str(source or "").strip()
    if not text:
        return str(_("Direct"))
    app = text.split(".")[0]
    return str(SOURCE_APPS.get(app, code_label(app)))
