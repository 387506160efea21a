// Bulk import and export over REST (docs/protocol.md §20). The server reads the file, finds
// the mapping, parses every row with the field rules and runs the import as a job that
// survives a restart; the app uploads, changes the mapping and options while the import is
// in preview, pages through the parsed rows, starts it and polls its progress. Online only.

import { ApiError } from './api.ts';

export type ImportState = 'preview' | 'running' | 'done' | 'failed' | 'cancelled';
export type Duplicates = 'merge' | 'skip' | 'replace';
export type SampleFormat = 'csv' | 'xlsx' | 'txt';
export type ExportFormat = 'csv' | 'xlsx' | 'vcard';

export interface ImportColumn { column: string; target: string; samples: string[] }
export interface Target { key: string; label: string }
/** Who may see the imported contacts, as a contact's visibility in the REST API. */
export interface Visibility { all?: boolean; kind?: string; members?: string[]; groups?: string[]; units?: string[] }

/** Whether a visibility leaves out the rest of the company (only the owner, or those named). */
export function isRestricted(visibility: Visibility | null | undefined): boolean {
  if (!visibility) return false;
  if (visibility.kind !== undefined) return visibility.kind !== 'all';
  return visibility.all === false;
}

export interface ImportOptions {
  duplicates: Duplicates;
  tags: string[];
  visibility: Visibility | null;
  /** The rows chosen, by line; null for every row. */
  lines: number[] | null;
  region?: string | null;
}

export interface ImportJson {
  id: string;
  file_name: string | null;
  format: string;
  encoding: string | null;
  layout: string | null;
  state: ImportState;
  columns: ImportColumn[];
  targets: Target[];
  options: ImportOptions;
  total: number;
  done: number;
  imported: number;
  merged: number;
  replaced: number;
  skipped: number;
  failed: number;
  created_ms?: number;
  finished_ms?: number | null;
  /** When the uploaded file was deleted, days after the import ended: no error file since. */
  file_deleted_ms?: number | null;
  /** Why the job failed, when it did. */
  error?: string | null;
}

export interface RowProblem { column: string | null; field: string; code: string; message: string }

export interface ImportRow {
  line: number;
  selected: boolean;
  /** Parsed values by target key: a string, or a list when several columns share a target. */
  values: Record<string, string | string[] | null>;
  problems: RowProblem[];
  duplicate_of: string | null;
}

export interface RowPage { rows: ImportRow[]; total: number }

export interface ColumnTarget { column: string; target: string }

export interface ImportPatch {
  mapping?: ColumnTarget[];
  duplicates?: Duplicates;
  tags?: string[];
  visibility?: Visibility;
  lines?: number[] | null;
  region?: string;
}

export interface MailboxLogin { host: string; port: number; username: string; password: string }
export interface MailboxQuery extends MailboxLogin { folder: string; since?: string; before?: string; sender_domain?: string }

/** What the calls need of a signed-in device (`Device` is one). */
export interface Authorized {
  accessToken(): Promise<string>;
  call<T>(method: string, path: string, body?: unknown): Promise<T>;
}

/** A downloaded file: its bytes and the name the server gave it. */
export interface Download { blob: Blob; fileName: string }

/** The most rows one page may ask for. */
export const MAX_ROWS_PAGE = 500;

export const imports = {
  get: (api: Authorized, id: string) => api.call<ImportJson>('GET', `/v1/imports/${encodeURIComponent(id)}`),
  list: (api: Authorized) => api.call<{ imports: ImportJson[] }>('GET', '/v1/imports').then((r) => r.imports),
  patch: (api: Authorized, id: string, patch: ImportPatch) => api.call<ImportJson>('PATCH', `/v1/imports/${encodeURIComponent(id)}`, patch),
  rows: (api: Authorized, id: string, offset: number, limit: number) =>
    api.call<RowPage>('GET', `/v1/imports/${encodeURIComponent(id)}/rows?offset=${offset}&limit=${limit}`),
  start: (api: Authorized, id: string) => api.call<ImportJson>('POST', `/v1/imports/${encodeURIComponent(id)}/start`),
  cancel: (api: Authorized, id: string) => api.call<ImportJson>('POST', `/v1/imports/${encodeURIComponent(id)}/cancel`),
  folders: (api: Authorized, login: MailboxLogin) => api.call<{ folders: string[] }>('POST', '/v1/imports/mailbox/folders', login).then((r) => r.folders),
  mailbox: (api: Authorized, query: MailboxQuery) => api.call<ImportJson>('POST', '/v1/imports/mailbox', query),
  errors: (api: Authorized, id: string) => download(api, 'GET', `/v1/imports/${encodeURIComponent(id)}/errors`),
  sample: (api: Authorized, format: SampleFormat) => download(api, 'GET', `/v1/imports/sample?format=${format}`),
};

/** The file's name from a `Content-Disposition` header, else `fallback`. */
export function dispositionName(header: string | null, fallback: string): string {
  if (!header) return fallback;
  const star = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      // a malformed encoding: try the plain name
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)/.exec(header);
  const name = (plain?.[1] ?? plain?.[2] ?? '').trim();
  // Only a base name: a server never sends a path, and a path is no name to save under.
  const base = name.split(/[/\\]/).pop() ?? '';
  return base || fallback;
}

/** A file from the server, with the token. */
export async function download(api: Authorized, method: string, path: string, body?: unknown): Promise<Download> {
  const headers: Record<string, string> = { authorization: `Bearer ${await api.accessToken()}` };
  const init: RequestInit = { method, headers };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (!response.ok) throw await apiError(response);
  const fallback = path.split('?')[0]?.split('/').pop() ?? 'download';
  return { blob: await response.blob(), fileName: dispositionName(response.headers.get('content-disposition'), fallback) };
}

async function apiError(response: Response): Promise<ApiError> {
  let body: { code?: string; message?: string; field?: string | null } = {};
  try {
    body = (await response.json()) as typeof body;
  } catch {
    // not JSON
  }
  return new ApiError(response.status, body.code ?? `http_${response.status}`, body.message ?? response.statusText, body.field ?? null);
}

/** The export query string for all contacts or a search and tag. */
export function exportQuery(format: ExportFormat, vcardVersion: 3 | 4, filter: { q?: string; tag?: string } = {}): string {
  const params = new URLSearchParams({ format });
  if (format === 'vcard') params.set('vcard_version', String(vcardVersion));
  if (filter.q) params.set('q', filter.q);
  if (filter.tag) params.set('tag', filter.tag);
  return params.toString();
}

/** Exports every contact the member may see (or those a search and tag find), or exactly `ids`. */
export function exportContacts(api: Authorized, format: ExportFormat, vcardVersion: 3 | 4, which: { ids: string[] } | { q?: string; tag?: string }): Promise<Download> {
  if ('ids' in which) {
    const body: Record<string, unknown> = { format, ids: which.ids };
    if (format === 'vcard') body.vcard_version = vcardVersion;
    return download(api, 'POST', '/v1/contacts/export', body);
  }
  return download(api, 'GET', `/v1/contacts/export?${exportQuery(format, vcardVersion, which)}`);
}

/** Uploads a file as the request body (fetch cannot report upload progress; XHR can). */
export async function uploadImport(api: Authorized, file: File, onProgress: (sent: number, total: number) => void, options: { format?: string; encoding?: string } = {}): Promise<ImportJson> {
  const params = new URLSearchParams({ file_name: file.name });
  if (options.format) params.set('format', options.format);
  if (options.encoding) params.set('encoding', options.encoding);
  const token = await api.accessToken();
  return new Promise<ImportJson>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/v1/imports?${params.toString()}`);
    xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    xhr.onerror = () => reject(new Error('The upload needs a connection.'));
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        // not JSON
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as ImportJson);
      else {
        const error = (body ?? {}) as { code?: string; message?: string; field?: string | null };
        reject(new ApiError(xhr.status, error.code ?? `http_${xhr.status}`, error.message ?? xhr.statusText, error.field ?? null));
      }
    };
    xhr.send(file);
  });
}
