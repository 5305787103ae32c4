// JSON values are part of the protocol's vocabulary: everyone who speaks the protocol gets them.
@_exported import CRMJSON

// Error reasons are the domain's words (storage raises them too); the wire carries them.
@_exported import struct CRMDomain.ErrorReason
