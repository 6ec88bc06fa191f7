"""Everything that speaks DNS, in three parts that never touch the database (nor import
Django's ORM or any app's models): zones and records reach them as plain data, from
readers the management commands pass in.

- ``wire``: what both servers and the tools share: zone records between their stored
  form and dnspython, NOTIFY, SOA probes, batched datagrams, TCP framing, and dig's
  presentation of messages.
- ``authoritative``: the root, TLD and rental nameservers: compiled zones, routing
  policies, the query engine and its listeners.
- ``recursive``: the recursive resolver: iterative resolution, its cache, and its
  listeners and control channel.
"""
