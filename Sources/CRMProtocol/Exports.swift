// JSON values are part of the protocol's vocabulary: everyone who speaks the protocol gets them.
@_exported import CRMJSON
