// The example frames of docs/protocol.md section 16, decoded by this app's decoder and, for
// what a device sends, encoded back to the same bytes.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { decode } from '@msgpack/msgpack';
import { decodeServerFrame, encodeFrame, readServerMessage, type DeviceFrame } from '../src/sync/frames.ts';
import { idToText, textToId } from '../src/sync/ids.ts';

const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
const examples = new Map<string, Uint8Array>();
for (const match of doc.matchAll(/<!-- example: ([\w-]+) -->\s*```hex\n([\s\S]*?)```/g)) {
  const hex = match[2]!.replace(/\s+/g, '');
  examples.set(match[1]!, Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16))));
}
const example = (name: string): Uint8Array => {
  const bytes = examples.get(name);
  if (!bytes) throw new Error(`no example ${name} in docs/protocol.md`);
  return bytes;
};
const id = (n: number) => textToId(n.toString(16).padStart(32, '0'));

describe('frames as docs/protocol.md shows them', () => {
  it('encodes hello byte for byte', () => {
    const hello: DeviceFrame = { t: 'hello', v: 1, device: id(5), cursor: 41, accept: ['deflate'], layout: 1 };
    expect(encodeFrame(hello)).toEqual(example('hello'));
  });

  it('encodes push, sync and presence byte for byte', () => {
    const change = Uint8Array.from([0x85, 0x6f, 0x4a, 0x83]);
    expect(encodeFrame({ t: 'push', batch: 7, docs: [{ doc: id(1), changes: [change, Uint8Array.from([0x85, 0x6f, 0x4a, 0x83, 1])] }, { doc: id(2), changes: [change] }] })).toEqual(example('push'));
    expect(encodeFrame({ t: 'sync', doc: id(1), msg: Uint8Array.from([0x42, 1, 2, 3]) })).toEqual(example('sync'));
    expect(encodeFrame({ t: 'presence', doc: id(1), state: 'editing', member: null, device: null })).toEqual(example('presence-from-device'));
  });

  it('decodes welcome', () => {
    expect(decodeServerFrame(example('welcome'))).toEqual({ t: 'welcome', v: 1, member: id(3), head: 42, max_frame: 4194304, layout: 1, min_layout: 1 });
  });

  it('decodes acks, with a rejection', () => {
    const ok = decodeServerFrame(example('ack-ok'));
    expect(ok.t).toBe('ack');
    const rejected = decodeServerFrame(example('ack-rejected'));
    if (rejected.t !== 'ack') throw new Error('not an ack');
    expect(rejected.results.some((r) => r.rejected !== null && r.seq === null)).toBe(true);
  });

  it('decodes every feed example, including meta with groups and units', () => {
    for (const name of ['feed-live', 'feed-resync', 'feed-meta-purge', 'feed-meta-groups-units']) {
      const frame = decodeServerFrame(example(name));
      expect(frame.t).toBe('feed');
    }
    const meta = decodeServerFrame(example('feed-meta-groups-units'));
    if (meta.t !== 'feed' || meta.items[0]!.t !== 'meta') throw new Error('not a meta page');
    const visibility = meta.items[0]!.meta.visibility;
    expect(visibility.t === 'members' && visibility.groups!.map(idToText)).toEqual(['00000000-0000-0000-0000-000000000007']);
    const resync = decodeServerFrame(example('feed-resync'));
    expect(resync.t === 'feed' && resync.reset).toBe(true);
  });

  it('decodes errors, fatal and not, with batch and retry delay', () => {
    expect(decodeServerFrame(example('error-token-expired'))).toMatchObject({ t: 'error', code: 'token_expired', fatal: true });
    expect(decodeServerFrame(example('error-push-unavailable'))).toEqual({
      t: 'error', code: 'unavailable', message: 'the server could not store the push; try again', fatal: false, batch: 12, retry_after_ms: 500,
    });
  });

  it('decodes forwarded presence and the empty repair answer', () => {
    expect(decodeServerFrame(example('presence-forwarded'))).toEqual({ t: 'presence', doc: id(1), state: 'editing', member: id(4), device: id(6) });
    expect(decodeServerFrame(example('sync-empty'))).toEqual({ t: 'sync', doc: id(2), msg: new Uint8Array(0) });
  });

  it('inflates a deflated page with DecompressionStream("deflate-raw")', async () => {
    const page = await readServerMessage(example('deflated'));
    expect(page.t).toBe('feed');
    if (page.t === 'feed') expect(page.items).toHaveLength(10);
  });

  it('refuses an unknown feed item rather than skip it', () => {
    const bytes = example('feed-meta-purge');
    const frame = decode(bytes) as { items: { t: string }[] };
    frame.items[1]!.t = 'archive';
    expect(() => decodeServerFrame(encodeFrame(frame as unknown as DeviceFrame))).toThrow(/unknown feed item/);
  });
});

describe('decoded bytes', () => {
  it('own their buffer, so storing one stores only its bytes', () => {
    const frame = decodeServerFrame(example('sync'));
    if (frame.t !== 'sync') throw new Error('not sync');
    expect(frame.msg.byteLength).toBe(4);
    expect(frame.msg.buffer.byteLength).toBe(4);
  });
});
