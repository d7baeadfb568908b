"""Namespaces, WS-Addressing actions and XDS identifiers of the eHDSI NCP-to-NCP messages.

Sources: ``ehdsi-flows.md`` §1 (transactions and actions), §3 (class and format
codes); IHE ITI TF-3 §4.2.5 (XDS metadata UUIDs), as used by the OpenNCP and
gematik samples in ``wire/``.
"""

from __future__ import annotations

from typing import Final

SOAP12_NS: Final = "http://www.w3.org/2003/05/soap-envelope"
SOAP11_NS: Final = "http://schemas.xmlsoap.org/soap/envelope/"
WSA_NS: Final = "http://www.w3.org/2005/08/addressing"
WSSE_NS: Final = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
SAML_NS: Final = "urn:oasis:names:tc:SAML:2.0:assertion"
HL7_NS: Final = "urn:hl7-org:v3"
XSI_NS: Final = "http://www.w3.org/2001/XMLSchema-instance"
RIM_NS: Final = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
QUERY_NS: Final = "urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0"
RS_NS: Final = "urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0"
LCM_NS: Final = "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
XDS_NS: Final = "urn:ihe:iti:xds-b:2007"
XOP_NS: Final = "http://www.w3.org/2004/08/xop/include"

WSA_ANONYMOUS: Final = "http://www.w3.org/2005/08/addressing/anonymous"
WSA_FAULT_ACTION: Final = "http://www.w3.org/2005/08/addressing/soap/fault"

# --- WS-Addressing actions (ehdsi-flows.md §1)
XCPD_REQUEST: Final = "urn:hl7-org:v3:PRPA_IN201305UV02:CrossGatewayPatientDiscovery"
XCPD_RESPONSE: Final = "urn:hl7-org:v3:PRPA_IN201306UV02:CrossGatewayPatientDiscovery"
XCA_QUERY: Final = "urn:ihe:iti:2007:CrossGatewayQuery"
XCA_QUERY_RESPONSE: Final = "urn:ihe:iti:2007:CrossGatewayQueryResponse"
XCA_RETRIEVE: Final = "urn:ihe:iti:2007:CrossGatewayRetrieve"
XCA_RETRIEVE_RESPONSE: Final = "urn:ihe:iti:2007:CrossGatewayRetrieveResponse"
XDR_PROVIDE: Final = "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b"
XDR_PROVIDE_RESPONSE: Final = "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-bResponse"

# --- ebRS statuses and severities
STATUS_SUCCESS: Final = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success"
STATUS_FAILURE: Final = "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure"
STATUS_PARTIAL: Final = "urn:ihe:iti:2007:ResponseStatusType:PartialSuccess"
SEVERITY_ERROR: Final = "urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error"
SEVERITY_WARNING: Final = "urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Warning"
APPROVED: Final = "urn:oasis:names:tc:ebxml-regrep:StatusType:Approved"

# --- XDS metadata (IHE ITI TF-3 §4.2.5)
FIND_DOCUMENTS: Final = "urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d"
STABLE_DOCUMENT_ENTRY: Final = "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"
SUBMISSION_SET_NODE: Final = "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"
DE_CLASS_CODE: Final = "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a"
DE_TYPE_CODE: Final = "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983"
DE_FORMAT_CODE: Final = "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d"
DE_CONFIDENTIALITY: Final = "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f"
DE_FACILITY_TYPE: Final = "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1"
DE_PRACTICE_SETTING: Final = "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead"
DE_EVENT_CODE: Final = "urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4"
DE_AUTHOR: Final = "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d"
DE_PATIENT_ID: Final = "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"
DE_UNIQUE_ID: Final = "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab"
SS_AUTHOR: Final = "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d"
SS_CONTENT_TYPE: Final = "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500"
SS_UNIQUE_ID: Final = "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8"
SS_SOURCE_ID: Final = "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832"
SS_PATIENT_ID: Final = "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446"
HAS_MEMBER: Final = "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember"
XFRM: Final = "urn:ihe:iti:2007:AssociationType:XFRM"

# --- codes
LOINC: Final = "2.16.840.1.113883.6.1"
PATIENT_SUMMARY: Final = "60591-5"
EPRESCRIPTION: Final = "57833-6"
EDISPENSATION: Final = "60593-1"

# --- XCPD acknowledgement codes (ehdsi-flows.md §9)
IHE_XCPD_CODES: Final = "1.3.6.1.4.1.19376.1.2.27.3"
EHDSI_XCPD_CODES: Final = "1.3.6.1.4.1.12559.11.10.1.3.2.2.1"


def q(ns: str, local: str) -> str:
    """Clark notation ``{ns}local``."""
    return f"{{{ns}}}{local}"
