"""NCPeH gateway: NCP-B (initiating) and NCP-A (responding) for MyHealth@EU.

Only the wire layer exists so far (:mod:`ncpeh.gateway.wire`): pure builders and
parsers of the SOAP messages exchanged between NCPs. Transport (mutual TLS
client and server), the NCP-A/NCP-B services, storage and the demo network come
later and build on :mod:`ncpeh.trust` for assertions and keys.
"""
