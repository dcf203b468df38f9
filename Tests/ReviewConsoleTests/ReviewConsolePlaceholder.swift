// Replaced by the ReviewConsole suites as they land.
