// The REST calls a device makes (server/src/http/accounts/session.rs): sign-up, login,
// accepting an invitation and token refresh. Every one answers a session: the member, the
// device id this browser was registered as (what `hello.device` must name), the company's
// region (for phone numbers) and a token pair. Refresh tokens work once: each refresh
// answers the next pair, which is stored before it is used.

export interface Session {
  tenant: string;
  member: string;
  device: string;
  region: string;
  email: string;
  access_token: string;
  refresh_token: string;
  /** When the access token expires, ms since the epoch (by this device's clock). */
  expires_at_ms: number;
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly field: string | null) {
    super(message);
  }
}

interface SessionBody {
  tenant: string;
  member: string;
  device: string;
  region: string;
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

export async function postJson<T>(path: string, body: unknown, token?: string): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) });
  return readJson<T>(response);
}

/** Any REST call with the access token. */
export async function requestJson<T>(method: string, path: string, token: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const init: RequestInit = { method, headers };
  if (body !== undefined) init.body = JSON.stringify(body);
  return readJson<T>(await fetch(path, init));
}

export async function getJson<T>(path: string, token: string): Promise<T> {
  return readJson<T>(await fetch(path, { headers: { authorization: `Bearer ${token}` } }));
}

async function readJson<T>(response: Response): Promise<T> {
  const text = await response.text();
  const body = text ? (JSON.parse(text) as unknown) : null;
  if (!response.ok) {
    const error = (body ?? {}) as { code?: string; message?: string; field?: string | null };
    throw new ApiError(response.status, error.code ?? 'http_' + response.status, error.message ?? response.statusText, error.field ?? null);
  }
  return body as T;
}

function toSession(body: SessionBody, email: string): Session {
  return {
    tenant: body.tenant, member: body.member, device: body.device, region: body.region, email,
    access_token: body.access_token, refresh_token: body.refresh_token,
    expires_at_ms: Date.now() + body.expires_in * 1000,
  };
}

export function deviceName(): string {
  const ua = navigator.userAgent;
  const kind = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iPhone' : 'browser';
  return `Rolo web on ${kind}`;
}

export async function signUp(input: { company: string; name: string; email: string; password: string; region: string }): Promise<Session> {
  const body = await postJson<SessionBody>('/v1/signup', { ...input, device_name: deviceName() });
  return toSession(body, input.email);
}

export async function logIn(email: string, password: string): Promise<Session> {
  const body = await postJson<SessionBody>('/v1/login', { email, password, device_name: deviceName() });
  return toSession(body, email);
}

export async function acceptInvitation(email: string, inviteCode: string, password: string): Promise<Session> {
  const body = await postJson<SessionBody>('/v1/invitations/accept', { email, invite_code: inviteCode, password, device_name: deviceName() });
  return toSession(body, email);
}

export async function refresh(session: Session): Promise<Session> {
  const body = await postJson<SessionBody>('/v1/token', { refresh_token: session.refresh_token });
  return { ...toSession(body, session.email) };
}
