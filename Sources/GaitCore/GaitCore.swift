// Domain values of Gait: see DESIGN.md.
