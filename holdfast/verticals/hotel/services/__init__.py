"""Hotel writes, split by responsibility; import from here."""
from .folio import invoice_folio, night_audit_all, post_folio_entry, record_folio_payment, run_night_audit  # noqa: F401
from .housekeeping import add_room_block, remove_room_block, set_room_status  # noqa: F401
from .readmodels import rebuild_read_models  # noqa: F401
from .reservations import (  # noqa: F401
    assign_room, cancel_reservation, check_in, check_out, confirm_reservation, create_reservation, mark_no_show, pay_and_check_out, resize_reservation, update_reservation, walk_in,
)
from .setup import (  # noqa: F401
    create_guest, create_property, create_rate_plan, create_room, create_room_type, set_rate_price, set_restriction, update_guest, update_property,
    update_rate_plan, update_room, update_room_type,
)
