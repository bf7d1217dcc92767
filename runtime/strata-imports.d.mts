export interface PipelineClosure {
  readonly strataUrls: readonly string[];
  readonly files: readonly (readonly [string, string])[];
  readonly isPlanOnly: boolean;
}

export declare const pipelineClosure: (file: string, strataRoot?: string, fresh?: boolean) => PipelineClosure;
export declare const strataImportsOf: (file: string) => readonly string[];
