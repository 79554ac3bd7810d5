"""(models arrive with the inventory work)."""
