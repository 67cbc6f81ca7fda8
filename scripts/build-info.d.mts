/** The sources that changed since the build `infoFile` describes; `['(no build)']` without one. */
export function changedInputs(root: string, infoFile: string): string[];
