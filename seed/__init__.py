"""Reference data and demo data, loaded by `flask seed`."""
