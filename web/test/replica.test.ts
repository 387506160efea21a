// The device side of the protocol against an in-memory IndexedDB: what is durable when, and
// what each server frame does to the replica.
import { describe, expect, it } from 'vitest';
import * as A from '@automerge/automerge/slim';
import { emptyContact, type ContactJson } from '../src/sync/contact.ts';
import { createDocument } from '../src/sync/document.ts';
import type { DeviceFrame, ServerFrame } from '../src/sync/frames.ts';
import { textToId } from '../src/sync/ids.ts';
import { Replica } from '../src/sync/replica.ts';
import { ReplicaStore } from '../src/sync/store.ts';

const ids = { member: '0190a5c3-7b1e-7a2f-9c3d-5e6f7a8b9c01', device: '0190a5c3-7b1e-7a2f-9c3d-5e6f7a8b9d10' };
const other = { member: '0190a5c3-7b1e-7a2f-9c3d-5e6f7a8b9c02', device: '0190a5c3-7b1e-7a2f-9c3d-5e6f7a8b9d20' };
let dbCount = 0;

function person(given: string, family: string): ContactJson {
  const c = emptyContact();
  c.name.given = given;
  c.name.family = family;
  return c;
}

async function device(name = `rolo-test-${++dbCount}`) {
  const sent: DeviceFrame[] = [];
  const store = await ReplicaStore.open(name);
  const replica = new Replica(store, ids, (frame) => sent.push(frame));
  await replica.load();
  return { store, replica, sent, name };
}

const welcome = (head: number): ServerFrame => ({ t: 'welcome', v: 1, member: textToId(ids.member), head, max_frame: 1 << 20, layout: 1, min_layout: 1 });

describe('the device replica', () => {
  it('keeps an edit made offline, and its outbox entry, across a restart', async () => {
    const first = await device();
    const id = await first.replica.create(person('Astrid', 'Berg'));
    const edited = structuredClone(first.replica.contacts.get(id)!.contact);
    edited.notes = 'Wants the spring price list';
    await first.replica.edit(id, edited);
    first.store.close();

    const again = await device(first.name);
    expect(again.replica.contacts.get(id)!.contact.notes).toBe('Wants the spring price list');
    expect(again.replica.outbox.map((e) => e.doc)).toEqual([id, id]);
    expect(again.replica.pendingCount()).toBe(1);
  });

  it('pushes after welcome, and an ack removes exactly the pushed entries', async () => {
    const { replica, sent, store, name } = await device();
    const id = await replica.create(person('Liv', 'Ek'));
    expect(sent).toHaveLength(0); // nothing goes out before welcome
    replica.connected();
    expect(sent[0]!.t).toBe('hello');
    await replica.receive(welcome(0));
    const push = sent.find((f) => f.t === 'push');
    if (push?.t !== 'push') throw new Error('no push');
    expect(push.docs).toHaveLength(1);
    expect(replica.status).toBe('live'); // at the head at welcome: caught up, no page follows
    await replica.receive({ t: 'ack', batch: push.batch + 1, results: [{ doc: textToId(id), seq: 3, rejected: null }] });
    expect(replica.outbox).toHaveLength(1); // an ack for another batch is ignored
    await replica.receive({ t: 'ack', batch: push.batch, results: [{ doc: textToId(id), seq: 3, rejected: null }] });
    expect(replica.outbox).toHaveLength(0);
    store.close();
    expect((await device(name)).replica.outbox).toHaveLength(0);
  });

  it('applies a feed page and its cursor together, and ignores stale pages', async () => {
    const { replica, store, name } = await device();
    replica.connected();
    await replica.receive(welcome(5));
    expect(replica.status).toBe('syncing');
    const { doc } = createDocument(person('Pekka', 'Virtanen'), other);
    const contact = '00000000-0000-0000-0000-0000000000aa';
    await replica.receive({
      t: 'feed', from: 0, to: 5, reset: false, more: false,
      items: [{ t: 'grant', doc: textToId(contact), snapshot: A.save(doc), meta: { owner: textToId(other.member), visibility: { t: 'all' } } }],
    });
    expect(replica.cursor).toBe(5);
    expect(replica.status).toBe('live');
    await replica.receive({ t: 'feed', from: 2, to: 4, reset: false, more: false, items: [{ t: 'purge', doc: textToId(contact) }] });
    expect(replica.contacts.has(contact)).toBe(true);
    store.close();
    const again = await device(name);
    expect(again.replica.cursor).toBe(5);
    expect(again.replica.contacts.get(contact)!.contact.name.family).toBe('Virtanen');
    expect(again.replica.contacts.get(contact)!.meta).toEqual({ owner: other.member, visibility: { all: true } });
  });

  it('a gap in the feed asks for the feed again from the cursor', async () => {
    const { replica, sent } = await device();
    replica.connected();
    await replica.receive(welcome(9));
    await replica.receive({ t: 'feed', from: 4, to: 9, reset: false, more: false, items: [] });
    expect(replica.cursor).toBe(0);
    expect(sent.filter((f) => f.t === 'hello')).toHaveLength(2);
  });

  it('a rejection drops the contact\'s pending edits, keeps the reason on it and repairs it', async () => {
    const { replica, sent } = await device();
    const id = await replica.create(person('Greta', 'Holm'));
    replica.connected();
    await replica.receive(welcome(0));
    const push = sent.find((f) => f.t === 'push')!;
    if (push.t !== 'push') throw new Error('no push');
    await replica.receive({ t: 'ack', batch: push.batch, results: [{ doc: textToId(id), seq: null, rejected: { code: 'invalid', message: 'phones[0]: not a phone number' } }] });
    const record = replica.contacts.get(id)!;
    expect(record.rejected).toMatchObject({ code: 'invalid', message: 'phones[0]: not a phone number' });
    expect(record.empty).toBe(true);
    expect(replica.outbox).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 10));
    expect(sent.some((f) => f.t === 'sync')).toBe(true);
    // The server has nothing for us: the contact is gone from the device.
    await replica.receive({ t: 'sync', doc: textToId(id), msg: new Uint8Array(0) });
    expect(replica.contacts.has(id)).toBe(false);
  });

  it('unavailable for the push in flight waits, then pushes the same entries again', async () => {
    const { replica, sent } = await device();
    await replica.create(person('Aiko', 'Sato'));
    replica.connected();
    await replica.receive(welcome(0));
    const first = sent.filter((f) => f.t === 'push');
    expect(first).toHaveLength(1);
    const batch = (first[0] as { batch: number }).batch;
    await replica.receive({ t: 'error', code: 'unavailable', message: 'try again', fatal: false, batch, retry_after_ms: 20 });
    replica.pushNow();
    expect(sent.filter((f) => f.t === 'push')).toHaveLength(1); // still waiting
    await new Promise((r) => setTimeout(r, 60));
    const pushes = sent.filter((f) => f.t === 'push');
    expect(pushes).toHaveLength(2);
    expect((pushes[1] as { docs: unknown[] }).docs).toEqual((pushes[0] as { docs: unknown[] }).docs);
  });

  it('the end of a full resynchronisation removes what was not granted, except unsent contacts', async () => {
    const { replica } = await device();
    const mine = await replica.create(person('Signe', 'Dahl'));
    const gone = '00000000-0000-0000-0000-0000000000bb';
    const kept = '00000000-0000-0000-0000-0000000000cc';
    const meta = { owner: textToId(other.member), visibility: { t: 'all' as const } };
    replica.connected();
    await replica.receive(welcome(10));
    await replica.receive({ t: 'feed', from: 0, to: 3, reset: false, more: false, items: [
      { t: 'grant', doc: textToId(gone), snapshot: A.save(createDocument(person('Old', 'Entry'), other).doc), meta },
    ] });
    await replica.receive({ t: 'feed', from: 3, to: 3, reset: true, more: true, items: [
      { t: 'grant', doc: textToId(kept), snapshot: A.save(createDocument(person('Kept', 'Entry'), other).doc), meta },
    ] });
    await replica.receive({ t: 'feed', from: 3, to: 10, reset: false, more: false, items: [] });
    expect([...replica.contacts.keys()].sort()).toEqual([kept, mine].sort());
  });

  it('an edit queued to a contact purged meanwhile is refused once, and the rep is told, across a restart', async () => {
    const { replica, sent, store, name } = await device();
    const id = await replica.create(person('Hugo', 'Falk'));
    replica.connected();
    await replica.receive(welcome(0));
    const first = sent.find((f) => f.t === 'push');
    if (first?.t !== 'push') throw new Error('no push');
    await replica.receive({ t: 'ack', batch: first.batch, results: [{ doc: textToId(id), seq: 1, rejected: null }] });
    replica.disconnected();
    const edited = structuredClone(replica.contacts.get(id)!.contact);
    edited.notes = 'Bring the signed offer';
    await replica.edit(id, edited);

    // Back online: the push goes at welcome, the feed's purge arrives, then the push's answer.
    replica.connected();
    await replica.receive(welcome(2));
    const push = sent.filter((f) => f.t === 'push').at(-1);
    if (push?.t !== 'push' || push === first) throw new Error('no second push');
    await replica.receive({ t: 'feed', from: 0, to: 2, reset: false, more: false, items: [{ t: 'purge', doc: textToId(id) }] });
    expect(replica.contacts.has(id)).toBe(false);
    expect(replica.refused).toMatchObject([{ id, name: 'Hugo Falk', code: 'purged' }]);
    await replica.receive({ t: 'ack', batch: push.batch, results: [{ doc: textToId(id), seq: null, rejected: { code: 'not_found', message: 'contact was deleted' } }] });
    expect(replica.refused).toMatchObject([{ id, name: 'Hugo Falk', code: 'not_found', message: 'contact was deleted' }]);
    expect(replica.outbox).toHaveLength(0);
    expect(replica.contacts.has(id)).toBe(false);

    store.close();
    const again = await device(name);
    expect(again.replica.refused).toMatchObject([{ id, name: 'Hugo Falk', code: 'not_found' }]);
    await again.replica.dismissRejection(id);
    expect(again.replica.refused).toEqual([]);
  });

  it('a rejection is kept for the rep after the repair finds the contact gone', async () => {
    const { replica, sent } = await device();
    const id = await replica.create(person('Ebba', 'Lind'));
    replica.connected();
    await replica.receive(welcome(0));
    const push = sent.find((f) => f.t === 'push');
    if (push?.t !== 'push') throw new Error('no push');
    await replica.receive({ t: 'ack', batch: push.batch, results: [{ doc: textToId(id), seq: null, rejected: { code: 'forbidden', message: 'contact is not shared with you' } }] });
    await replica.receive({ t: 'sync', doc: textToId(id), msg: new Uint8Array(0) });
    expect(replica.contacts.has(id)).toBe(false);
    expect(replica.refused).toMatchObject([{ id, name: 'Ebba Lind', code: 'forbidden', message: 'contact is not shared with you' }]);
  });
});
