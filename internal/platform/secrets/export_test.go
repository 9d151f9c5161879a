package secrets

// SealLegacy exposes sealLegacy to the external tests.
var SealLegacy = sealLegacy
