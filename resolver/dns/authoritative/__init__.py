"""The authoritative servers (root, TLD and rental nameservers): zones compiled for
answering, routing policies and client regions, the query engine, and the listeners that
load published zones and hand it their queries."""
