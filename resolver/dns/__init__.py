"""The DNS engine: compiled zones, the query handler, the listeners and NOTIFY."""
