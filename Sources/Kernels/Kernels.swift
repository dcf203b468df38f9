// The Kernels module; see DESIGN.md for what belongs here.
