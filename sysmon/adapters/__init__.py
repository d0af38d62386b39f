"""Adapters: the real host (procfs, stdio, clock, threads) and the fakes that stand in for it."""
