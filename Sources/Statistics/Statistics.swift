// The Statistics module; see DESIGN.md for what belongs here.
