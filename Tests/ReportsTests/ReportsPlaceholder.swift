// Replaced by the Reports suites as they land.
