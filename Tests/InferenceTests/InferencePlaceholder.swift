// Replaced by the Inference suites as they land.
