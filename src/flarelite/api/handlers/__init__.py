"""One module per API resource, named like the SDK's; each handler decodes, calls, wraps."""
