// Replaced by the Tuning suites as they land.
