"""RDAP (RFC 7480, 9082, 9083): the registry's public registration data over HTTP at /rdap/."""
