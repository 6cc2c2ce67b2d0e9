"""The dashboard: server-rendered pages over the same domain services as the API."""
