"""What every AWS-compatible API of the emulator shares (Route 53 in the resolver app, Route 53
Domains in the registrar): access keys and SigV4 signatures (``sigv4``, ``models``), the
requests and responses of botocore's service models (``protocol``), AWS's error shapes
(``errors``) and the dispatch of a request to the service it is for (``dispatch``).

An app registers its facade at start (``dispatch.register``): the operations it handles,
each a function from the parsed input to the output, both in the shapes botocore's model
names; nothing here knows a rule of any service.
"""
