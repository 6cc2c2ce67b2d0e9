"""The test-control plane (FLARELITE_TEST_CONTROL=1): reset, seed, fake clock, injected faults."""
