"""holdfast: one multi-tenant booking-and-billing platform."""
