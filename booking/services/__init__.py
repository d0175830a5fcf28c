"""Business rules. Each command runs in one unit of work (booking.database.unit_of_work)."""
