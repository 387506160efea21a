// The wire frames of docs/protocol.md (sections 3-6): MessagePack maps with a string tag `t`.
// Ids and Automerge data are Uint8Array (`bin`); optional fields are written as nil except the
// ones the protocol says to omit when absent.

import { decode, encode } from '@msgpack/msgpack';

export const PROTOCOL_VERSION = 1;
/** The contact document layout this app writes (protocol section 14.1). */
export const DOC_LAYOUT = 1;
/** The most a `deflated` frame may inflate to (MAX_FRAME_BYTES). */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;
export const MAX_PUSH_DOCS = 1000;
export const PUSH_BYTES = 512 * 1024;

export type Visibility =
  | { t: 'all' }
  | { t: 'members'; members: Uint8Array[]; groups?: Uint8Array[]; units?: Uint8Array[] };

export interface DocMeta {
  owner: Uint8Array;
  visibility: Visibility;
}

export interface DocChanges {
  doc: Uint8Array;
  changes: Uint8Array[];
  /** Only on the push that creates the contact; omitted otherwise. */
  visibility?: Visibility;
}

export interface Rejection {
  code: string;
  message: string;
}

export interface DocResult {
  doc: Uint8Array;
  seq: number | null;
  rejected: Rejection | null;
}

export type FeedItem =
  | { t: 'changes'; doc: Uint8Array; changes: Uint8Array[] }
  | { t: 'grant'; doc: Uint8Array; snapshot: Uint8Array; meta: DocMeta }
  | { t: 'revoke'; doc: Uint8Array }
  | { t: 'purge'; doc: Uint8Array }
  | { t: 'meta'; doc: Uint8Array; meta: DocMeta };

export type PresenceState = 'viewing' | 'editing' | 'left';

export type DeviceFrame =
  | { t: 'hello'; v: number; device: Uint8Array; cursor: number; accept: string[]; layout: number }
  | { t: 'push'; batch: number; docs: DocChanges[] }
  | { t: 'sync'; doc: Uint8Array; msg: Uint8Array }
  | { t: 'presence'; doc: Uint8Array; state: PresenceState; member: null; device: null };

export type ServerFrame =
  | { t: 'welcome'; v: number; member: Uint8Array; head: number; max_frame: number; layout?: number; min_layout?: number }
  | { t: 'ack'; batch: number; results: DocResult[] }
  | { t: 'feed'; from: number; to: number; reset: boolean; more: boolean; items: FeedItem[] }
  | { t: 'sync'; doc: Uint8Array; msg: Uint8Array }
  | { t: 'presence'; doc: Uint8Array; state: PresenceState; member: Uint8Array | null; device: Uint8Array | null }
  | { t: 'error'; code: string; message: string; fatal: boolean; batch?: number; retry_after_ms?: number }
  | { t: 'card'; draft: Record<string, unknown> };

export function encodeFrame(frame: DeviceFrame): Uint8Array<ArrayBuffer> {
  // @msgpack/msgpack encodes into a fresh ArrayBuffer, never a shared one.
  return encode(frame) as Uint8Array<ArrayBuffer>;
}

export class FrameError extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && !Array.isArray(value);
}

function need<T>(ok: boolean, value: T, what: string): T {
  if (!ok) throw new FrameError(`malformed frame: ${what}`);
  return value;
}

function id(value: unknown, what: string): Uint8Array {
  return need(value instanceof Uint8Array && value.length === 16, value as Uint8Array, `${what} is not a 16-byte id`);
}

function bin(value: unknown, what: string): Uint8Array {
  // @msgpack/msgpack hands out views into the whole message's buffer. Copy: a view stored in
  // IndexedDB would store that whole buffer (a 1 MiB page) once per contact.
  return need(value instanceof Uint8Array, value as Uint8Array, `${what} is not bin`).slice();
}

function uint(value: unknown, what: string): number {
  return need(typeof value === 'number' && Number.isInteger(value) && value >= 0, value as number, `${what} is not a uint`);
}

function visibility(value: unknown): Visibility {
  const v = need(isRecord(value), value as Record<string, unknown>, 'visibility');
  if (v.t === 'all') return { t: 'all' };
  if (v.t === 'members') {
    const list = (x: unknown, what: string): Uint8Array[] =>
      x == null ? [] : need(Array.isArray(x), x as unknown[], what).map((m) => id(m, what));
    return { t: 'members', members: list(v.members, 'members'), groups: list(v.groups, 'groups'), units: list(v.units, 'units') };
  }
  throw new FrameError(`unknown visibility ${String(v.t)}`);
}

function meta(value: unknown): DocMeta {
  const m = need(isRecord(value), value as Record<string, unknown>, 'meta');
  return { owner: id(m.owner, 'owner'), visibility: visibility(m.visibility) };
}

function feedItem(value: unknown): FeedItem {
  const item = need(isRecord(value), value as Record<string, unknown>, 'feed item');
  const doc = id(item.doc, 'doc');
  switch (item.t) {
    case 'changes':
      return { t: 'changes', doc, changes: need(Array.isArray(item.changes), item.changes as unknown[], 'changes').map((c) => bin(c, 'change')) };
    case 'grant':
      return { t: 'grant', doc, snapshot: bin(item.snapshot, 'snapshot'), meta: meta(item.meta) };
    case 'revoke':
    case 'purge':
      return { t: item.t, doc };
    case 'meta':
      return { t: 'meta', doc, meta: meta(item.meta) };
    default:
      // Protocol section 14: a page with an item we do not understand must not be applied.
      throw new FrameError(`unknown feed item ${String(item.t)}`);
  }
}

/** Decodes one plain (not deflated) frame from the server. */
export function decodeServerFrame(bytes: Uint8Array): ServerFrame | { t: 'deflated'; frame: Uint8Array } {
  const raw = decode(bytes);
  const f = need(isRecord(raw), raw as Record<string, unknown>, 'not a map');
  switch (f.t) {
    case 'welcome':
      return {
        t: 'welcome', v: uint(f.v, 'v'), member: id(f.member, 'member'), head: uint(f.head, 'head'),
        max_frame: uint(f.max_frame, 'max_frame'),
        layout: f.layout == null ? 1 : uint(f.layout, 'layout'),
        min_layout: f.min_layout == null ? 1 : uint(f.min_layout, 'min_layout'),
      };
    case 'ack': {
      const results = need(Array.isArray(f.results), f.results as unknown[], 'results').map((r) => {
        const res = need(isRecord(r), r as Record<string, unknown>, 'result');
        const rej = res.rejected;
        return {
          doc: id(res.doc, 'doc'),
          seq: res.seq == null ? null : uint(res.seq, 'seq'),
          rejected: rej == null ? null : { code: String((rej as Record<string, unknown>).code), message: String((rej as Record<string, unknown>).message) },
        };
      });
      return { t: 'ack', batch: uint(f.batch, 'batch'), results };
    }
    case 'feed':
      return {
        t: 'feed', from: uint(f.from, 'from'), to: uint(f.to, 'to'),
        reset: need(typeof f.reset === 'boolean', f.reset as boolean, 'reset'),
        more: need(typeof f.more === 'boolean', f.more as boolean, 'more'),
        items: need(Array.isArray(f.items), f.items as unknown[], 'items').map(feedItem),
      };
    case 'sync':
      return { t: 'sync', doc: id(f.doc, 'doc'), msg: bin(f.msg, 'msg') };
    case 'presence': {
      const state = f.state;
      need(state === 'viewing' || state === 'editing' || state === 'left', state, 'presence state');
      return {
        t: 'presence', doc: id(f.doc, 'doc'), state: state as PresenceState,
        member: f.member == null ? null : id(f.member, 'member'),
        device: f.device == null ? null : id(f.device, 'device'),
      };
    }
    case 'error': {
      const frame: ServerFrame = {
        t: 'error', code: String(f.code), message: String(f.message),
        fatal: need(typeof f.fatal === 'boolean', f.fatal as boolean, 'fatal'),
      };
      if (f.batch != null) frame.batch = uint(f.batch, 'batch');
      if (f.retry_after_ms != null) frame.retry_after_ms = uint(f.retry_after_ms, 'retry_after_ms');
      return frame;
    }
    case 'deflated':
      return { t: 'deflated', frame: bin(f.frame, 'frame') };
    case 'card':
      return { t: 'card', draft: need(isRecord(f.draft), f.draft as Record<string, unknown>, 'draft') };
    default:
      throw new FrameError(`unknown frame type ${String(f.t)}`);
  }
}

/** Inflates a `deflated` frame's raw DEFLATE bytes, refusing more than `limit` bytes of output. */
export async function inflateRaw(data: Uint8Array, limit = MAX_FRAME_BYTES): Promise<Uint8Array> {
  const stream = new Blob([data as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw new FrameError(`a deflated frame inflates past ${limit} bytes`);
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Decodes a server message, inflating it first when it is `deflated` (never nested). */
export async function readServerMessage(bytes: Uint8Array, maxInflate = MAX_FRAME_BYTES): Promise<ServerFrame> {
  const frame = decodeServerFrame(bytes);
  if (frame.t !== 'deflated') return frame;
  const inner = decodeServerFrame(await inflateRaw(frame.frame, maxInflate));
  if (inner.t === 'deflated') throw new FrameError('a deflated frame never contains another');
  return inner;
}
