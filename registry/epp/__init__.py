"""The registry's EPP server (RFC 5730-5734 over TLS, with RFC 3915, 5910 and 8748).

Layers, outermost first: ``server`` frames bytes on TLS connections and keeps session
state (no ORM); ``runner`` turns one frame into one response, picking a flow with
``picker`` and turning every exception into a result code; ``flows`` holds one class per
command, each parsing its XML, calling one ``registry.services`` function and rendering
the result with ``xml``.
"""
