"""(models arrive with the billing work)."""
