// The Inference module; see DESIGN.md for what belongs here.
