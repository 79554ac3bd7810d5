"""(models arrive with the bookings work)."""
