"""The recursive resolver (the emulator's 1.1.1.1): iterative resolution from the root
hints with its cache, and the listeners and control channel in front of it."""
