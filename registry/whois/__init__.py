"""WHOIS (RFC 3912) for the registry's domains: ``server`` frames the protocol, ``query``
answers from the database, and ``manage.py run_whois`` runs them on the plan's address."""
