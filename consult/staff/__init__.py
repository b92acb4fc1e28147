"""The CISDP staff workspace: accounts, roles, invitations, coverage, audit log."""
