"""msgspec Structs for what the API reads and writes (`*Create`, `*Update`, `*Read`)."""
