"""First outcomes: summaries of the responses and contributions, charts, snapshots and the deck."""
