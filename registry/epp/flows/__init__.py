"""One module per EPP command, each holding one flow class (``domain_create`` ->
``DomainCreateFlow``); ``registry.epp.picker`` maps commands to them."""
