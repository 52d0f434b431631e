export { ANCHOR_FORMAT, ANCHOR_PREFIX, anchorKey, buildAnchorManifest, latestAnchor, readAnchorManifests, verifyAnchors, writeAnchor } from './anchors';
export type { AnchorCoverage, AnchorManifest, AnchorProblem, AnchorVerification, ChainHead, StoredManifest } from './anchors';
export { buildEvidenceBundle, EVIDENCE_FORMAT, EVIDENCE_LABELS, evidenceKey, eventsUpToEnd, verifyBundle } from './bundle';
export type { BastionSession, BundleVerification, DatabaseEvidence, EvidenceBundle, EvidenceDocument, EvidenceInput, EvidenceLabel } from './bundle';
export { collectEvidence, EvidenceError, evidenceSealedEvent, type CollectedEvidence, type CollectEvidenceInput } from './collect';
export { createEvidenceRead, recordPage, type AnchorCover, type EvidenceRead, type RequestEvidence, type SealedBundle } from './read';
