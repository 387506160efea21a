export const CSP: string;
export function startStatic(options: { dist: string; target: string; port?: number }): Promise<{ url: string; close: () => Promise<void> }>;
