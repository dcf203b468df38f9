// Replaced by the Rollout suites as they land.
