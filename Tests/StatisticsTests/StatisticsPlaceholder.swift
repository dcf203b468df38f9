// Replaced by the Statistics suites as they land.
