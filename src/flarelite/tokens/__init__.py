"""API tokens: permission catalogue, secrets, conditions, the policy engine and the lifecycle."""
