// The ReviewConsole module; see DESIGN.md for what belongs here.
