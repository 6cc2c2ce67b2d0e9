"""Dashboard views, one module per area; each view takes a ``Dash`` and returns a response."""
