// The Tuning module; see DESIGN.md for what belongs here.
