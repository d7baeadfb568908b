"""National connector adapters: ``sql`` (our database) and ``rest`` (a country's system)."""
