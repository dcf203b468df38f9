// Replaced by the GaitCLI suites as they land.
