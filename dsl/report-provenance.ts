/**
 * Provenance a report step cannot know about its own run: the digest of the run's manifest and the report node's
 * code digest. A report writes these tokens where they belong; the stored artifact keeps them, so its digest stays
 * a pure function of the node's inputs, and the engine fills them in only in the files it writes for people.
 */
export const MANIFEST_DIGEST_TOKEN = "@@strata:manifest-digest@@";
export const CODE_DIGEST_TOKEN = "@@strata:code-digest@@";

export interface ReportProvenance {
  readonly manifestDigest: string;
  readonly codeDigest: string;
}

export const hasProvenanceTokens = (text: string): boolean => text.includes(MANIFEST_DIGEST_TOKEN) || text.includes(CODE_DIGEST_TOKEN);

export const fillProvenance = (text: string, provenance: ReportProvenance): string =>
  text.replaceAll(MANIFEST_DIGEST_TOKEN, provenance.manifestDigest).replaceAll(CODE_DIGEST_TOKEN, provenance.codeDigest);
