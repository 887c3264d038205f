"""Helpers for tests and benchmarks: where the shared media is, audio servers for device tests."""
