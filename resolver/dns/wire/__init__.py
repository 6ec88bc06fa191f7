"""DNS on the wire and on the page, shared by the authoritative servers, the recursive
resolver and the tools: stored zone records to dnspython and back, NOTIFY, SOA probes,
batched datagrams, TCP framing, and dig's text."""
