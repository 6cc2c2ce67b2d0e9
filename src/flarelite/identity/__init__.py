"""Users, accounts and memberships: who exists and who belongs where."""
