/** Pipeline files, relative to the repository root, in the order they run. */
export declare const REFERENCE_STUDIES: readonly string[];
