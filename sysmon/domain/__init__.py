"""The domain: metric semantics computed through ports, free of I/O and of the DI package."""
