"""Test suite for kimitui (a package so helpers such as ``tests.fakeserver`` are importable)."""
