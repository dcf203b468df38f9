// The Rollout module; see DESIGN.md for what belongs here.
