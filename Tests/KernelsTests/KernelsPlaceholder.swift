// Replaced by the Kernels suites as they land.
