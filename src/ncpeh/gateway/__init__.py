"""NCPeH gateway: NCP-B (initiating) and NCP-A (responding) for MyHealth@EU.

* :mod:`ncpeh.gateway.wire`: pure builders and parsers of the SOAP messages
  (XCPD ITI-55, XCA ITI-38/39, XDR ITI-41);
* :class:`RespondingGateway` (NCPeH-A): assertion, replay, TRC, consent checks,
  national connector, transcoding; errors in-band as eHDSI codes;
* :class:`InitiatingGateway` (NCPeH-B): client-connector operations over one
  pooled mutual-TLS client per partner, translation into the reader's language;
* :class:`Node`: one country's NCPeH (both roles, servers, database);
* :func:`build_network`: a multi-country network on one machine (``ncpeh demo``).

Exception hierarchy::

    NcpehError
     ├── WireError (ncpeh.gateway.wire)
     └── GatewayError      a client-connector operation failed; ``ehdsi_code``
"""

from ncpeh.gateway._initiator import (
    GatewayError,
    HpSession,
    InitiatingGateway,
    RetrievedTranslation,
)
from ncpeh.gateway._network import DEMO_PLAN, CountryPlan, Network, build_network
from ncpeh.gateway._node import Node, NodeConfig, demo_hp_identity
from ncpeh.gateway._responder import (
    AccessEvent,
    AuditSink,
    ResponderSettings,
    RespondingGateway,
    wrap_l1,
)

__all__ = [
    "DEMO_PLAN",
    "AccessEvent",
    "AuditSink",
    "CountryPlan",
    "GatewayError",
    "HpSession",
    "InitiatingGateway",
    "Network",
    "Node",
    "NodeConfig",
    "ResponderSettings",
    "RespondingGateway",
    "RetrievedTranslation",
    "build_network",
    "demo_hp_identity",
    "wrap_l1",
]
