// The Reports module; see DESIGN.md for what belongs here.
