"""The flarelite command line: thin over the same Services the server uses."""
