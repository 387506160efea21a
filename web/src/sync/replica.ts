// The device's replica: contacts in memory (plain records for the list), documents loaded on
// demand, the outbox, and the device side of the protocol (docs/protocol.md sections 7-11):
// feed pages, pushes and acks, rejections, repairs and presence. It never touches a socket:
// `connection.ts` feeds it frames and sends what it returns, so tests can drive it directly.

import * as A from '@automerge/automerge/slim';
import { displayName, type ContactJson } from './contact.ts';
import {
  createDocument, editDocument, emptyDocument, hasMissingDeps, isEmptyDocument, readContact, type ContactDocument,
} from './document.ts';
import {
  MAX_PUSH_DOCS, PUSH_BYTES, type DeviceFrame, type DocChanges, type DocMeta, type FeedItem, type PresenceState,
  type ServerFrame, type Visibility,
} from './frames.ts';
import { idToText, newContactId, textToId } from './ids.ts';
import { inlineProjector, type Projected, type Projector } from './projector.ts';
import { indexTerms, sortKey } from './search.ts';
import type { ContactRecord, OutboxEntry, ReplicaStore, StoreBatch, StoredMeta } from './store.ts';

export type SyncStatus = 'offline' | 'connecting' | 'syncing' | 'live';

export interface PresenceEntry {
  member: string;
  device: string;
  state: PresenceState;
  at_ms: number;
}

/** Edits that will never reach the server, kept for the rep to read until dismissed, even once
 * their contact is gone: refused by the server (protocol 9.3), or dropped because the contact
 * was purged or unshared before they were sent (protocol 20, known issue 9). */
export interface RefusedEdit {
  id: string;
  /** The contact's name when the edit was lost ('' if this device never knew it). */
  name: string;
  /** The server's rejection code; `purged` / `unshared` / `removed` when the feed took the
   * contact away first (the server's code replaces it if the push's answer follows). */
  code: string;
  message: string;
  at_ms: number;
}

/** How many loaded documents to keep: a phone never holds every contact's document loaded. */
const DOC_CACHE = 200;
/** Records read per IndexedDB request at a start: each read is a short task. */
const LOAD_PAGE = 250;
/** How many records the stored first screen of the list holds (a tall phone shows 13). */
const LIST_HEAD = 30;

function metaToStored(meta: DocMeta): StoredMeta {
  const v = meta.visibility;
  return {
    owner: idToText(meta.owner),
    visibility: v.t === 'all'
      ? { all: true }
      : { all: false, members: v.members.map(idToText), groups: (v.groups ?? []).map(idToText), units: (v.units ?? []).map(idToText) },
  };
}

export class Replica {
  readonly contacts = new Map<string, ContactRecord>();
  /** Bumped whenever a contact record changes, so the list re-sorts only then (not on every
   * status change). */
  contactsVersion = 0;
  outbox: OutboxEntry[] = [];
  cursor = 0;
  status: SyncStatus = 'offline';
  lastSyncedMs: number | null = null;
  /** A fatal or notable problem to show (an update needed, a refused frame). */
  notice: string | null = null;
  readonly presence = new Map<string, PresenceEntry[]>();
  /** Edits lost for good, newest last (stored as `refused`). */
  refused: RefusedEdit[] = [];
  member: string;
  device: string;
  /** Where `card` frames (a scanned card's reading) go: src/sync/cards.ts. */
  onCard: ((draft: Record<string, unknown>) => void) | null = null;
  /** Called after every welcome: the moment to upload what waited offline. */
  onWelcome: (() => void) | null = null;

  /** True while a start reads the stored records (the list shows its first screen). */
  loading = false;
  /** Settles when a start has read every stored record. */
  recordsRead: Promise<void> = Promise.resolve();

  private docs = new Map<string, ContactDocument>();
  private headTimer: ReturnType<typeof setTimeout> | null = null;
  /** `contactsVersion` when the list's first screen was last stored. */
  private headVersion = 0;
  private listeners = new Set<() => void>();
  private welcomed = false;
  private nextBatch = 0;
  private inFlight: { batch: number; keys: Map<string, number[]>; sentAt: number } | null = null;
  private pushPausedUntil = 0;
  private mayPush = true;
  /** Contacts granted since a `reset` page, while a full resynchronisation runs. */
  private resetGranted: Set<string> | null = null;
  private repairs = new Map<string, { state: A.SyncState; sentAt: number }>();
  private ticksWaiting = 0;
  /** Every change to the replica runs in this queue, one at a time, so a local edit and a
   * feed page never interleave their reads and writes of the same document. */
  private queue: Promise<unknown> = Promise.resolve();

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  constructor(
    private readonly store: ReplicaStore,
    ids: { member: string; device: string },
    private send: (frame: DeviceFrame) => void,
    /** The company's country: how phone numbers without a country code read (search terms). */
    readonly region = '',
    /** Automerge's WebAssembly being compiled: the list draws from IndexedDB before it is
     * ready, and every change to the replica waits for it. */
    ready: Promise<unknown> = Promise.resolve(),
    /** Reads granted snapshots of contacts new to the device (a worker in the browser). */
    private readonly projector: Projector = inlineProjector,
  ) {
    this.queue = ready;
    this.member = ids.member;
    this.device = ids.device;
  }

  /** Reads the stored replica: every contact record before it returns. */
  async load(): Promise<void> {
    await this.loadFirstScreen();
    await this.queue;
  }

  /**
   * Reads what the first screen needs (the outbox, the cursor and the stored first screen of
   * the list, `listHead`) and returns; the other records are read a page at a time after it,
   * so a start with 10,000 contacts paints at once and never holds the main thread for long.
   * `loading` is true until they are all in; every change to the replica (a feed page, an
   * edit) waits for them in the queue.
   */
  async loadFirstScreen(): Promise<void> {
    const loaded = await this.store.loadHead();
    for (const record of loaded.head) this.contacts.set(record.id, record);
    this.contactsVersion++;
    this.outbox = loaded.outbox;
    this.cursor = loaded.cursor;
    this.lastSyncedMs = (await this.store.getState<number>('lastSynced')) ?? null;
    this.refused = (await this.store.getState<RefusedEdit[]>('refused')) ?? [];
    this.loading = true;
    const records = this.readRecords();
    this.recordsRead = records.catch(() => undefined);
    this.queue = Promise.all([this.queue, records]);
    this.changed();
  }

  private async readRecords(): Promise<void> {
    const all = new Map<string, ContactRecord>();
    for (let after: string | null = null; ;) {
      const page = await this.store.contactsPage(after, LOAD_PAGE);
      for (const record of page) all.set(record.id, record);
      if (page.length < LOAD_PAGE) break;
      after = page[page.length - 1]!.id;
    }
    this.contacts.clear();
    for (const [id, record] of all) this.contacts.set(id, record);
    this.loading = false;
    this.contactsVersion++;
    this.headVersion = this.contactsVersion;
    this.changed();
  }

  /** The first screen of the list (the first active contacts by sort key), stored so the next
   * start draws it before reading every record. A cache: the full read replaces it. */
  private listHead(): ContactRecord[] {
    const head: { key: string; record: ContactRecord }[] = [];
    for (const record of this.contacts.values()) {
      const lifecycle = record.contact.lifecycle;
      if (lifecycle.archived || lifecycle.trashed_at_ms !== null) continue;
      const key = record.sort ?? sortKey(record.contact);
      if (head.length === LIST_HEAD && key >= head[head.length - 1]!.key) continue;
      let i = head.length;
      while (i > 0 && head[i - 1]!.key > key) i--;
      head.splice(i, 0, { key, record });
      if (head.length > LIST_HEAD) head.pop();
    }
    return head.map((h) => h.record);
  }

  /** Stores the list's first screen a second after the contacts last changed. */
  private scheduleListHead(): void {
    if (this.loading || this.headTimer !== null || this.headVersion === this.contactsVersion) return;
    this.headTimer = setTimeout(() => {
      this.headTimer = null;
      if (this.loading) return;
      this.headVersion = this.contactsVersion;
      this.store.setState('listHead', this.listHead()).catch((error: unknown) => console.warn('rolo: list head not stored', error));
    }, 1000);
  }

  /** Stops the timer that stores the list's first screen (the device is signing out). */
  close(): void {
    this.projector.stop?.();
    if (this.headTimer !== null) clearTimeout(this.headTimer);
    this.headTimer = null;
    this.headVersion = this.contactsVersion;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.scheduleListHead();
    for (const listener of this.listeners) listener();
  }

  setSender(send: (frame: DeviceFrame) => void): void {
    this.send = send;
  }

  pendingCount(): number {
    return new Set(this.outbox.map((e) => e.doc)).size;
  }

  hasPending(id: string): boolean {
    return this.outbox.some((e) => e.doc === id);
  }

  /** The record with its search terms, computed when the contact is written rather than at
   * the first search: a warm start with 10,000 contacts searches at once. */
  private withTerms(record: ContactRecord): ContactRecord {
    return { ...record, terms: indexTerms(record.contact, this.region), sort: sortKey(record.contact) };
  }

  // ---- documents ------------------------------------------------------------------------

  private async loadDoc(id: string): Promise<ContactDocument> {
    const cached = this.docs.get(id);
    if (cached) {
      this.docs.delete(id);
      this.docs.set(id, cached);
      return cached;
    }
    // A contact this device does not hold has no stored bytes: skip the read (a first full
    // sync grants thousands of them).
    const bytes = this.contacts.has(id) ? await this.store.docBytes(id) : undefined;
    const doc = bytes ? A.load<Record<string, unknown>>(bytes) : emptyDocument();
    this.cache(id, doc);
    return doc;
  }

  private cache(id: string, doc: ContactDocument): void {
    this.docs.delete(id);
    this.docs.set(id, doc);
    while (this.docs.size > DOC_CACHE) {
      const oldest = this.docs.keys().next().value as string;
      const evicted = this.docs.get(oldest)!;
      this.docs.delete(oldest);
      // Free the WebAssembly memory now: left to the garbage collector, thousands of loaded
      // documents (a first full sync) make every further load slower.
      A.free(evicted);
    }
  }

  private forget(id: string): void {
    const doc = this.docs.get(id);
    this.docs.delete(id);
    if (doc) A.free(doc);
  }

  private attribution() {
    return { member: this.member, device: this.device };
  }

  // ---- local edits (protocol 7.2: durable before the UI says "saved") -------------------

  create(contact: ContactJson, visibility?: Visibility): Promise<string> {
    return this.serial(() => this.createNow(contact, visibility));
  }

  private async createNow(contact: ContactJson, visibility?: Visibility): Promise<string> {
    const id = newContactId();
    const { doc, change } = createDocument(contact, this.attribution());
    const record = this.withTerms({ id, contact: readContact(doc), meta: null, rejected: null, empty: false, terms: [] });
    const entry = await this.store.commitEdit(record, A.save(doc), change, visibility);
    this.cache(id, doc);
    this.contacts.set(id, record);
    this.contactsVersion++;
    this.outbox.push(entry);
    this.changed();
    this.pushNow();
    return id;
  }

  /** Writes `after` over the contact; returns false when nothing changed. */
  edit(id: string, after: ContactJson): Promise<boolean> {
    return this.serial(() => this.editNow(id, after));
  }

  private async editNow(id: string, after: ContactJson): Promise<boolean> {
    const record = this.contacts.get(id);
    if (!record) throw new Error(`no contact ${id}`);
    // An empty copy waits for the server's version; an edit on it would write a second set
    // of the contact's maps that conflicts with the real ones.
    if (record.empty) throw new Error('this contact is being fetched again from the server; edit it when it is back');
    const doc = await this.loadDoc(id);
    const before = readContact(doc);
    const edited = editDocument(doc, before, after, this.attribution());
    if (!edited) return false;
    const next = this.withTerms({ ...record, contact: readContact(edited.doc), rejected: null, empty: false });
    const entry = await this.store.commitEdit(next, A.save(edited.doc), edited.change);
    this.cache(id, edited.doc);
    this.contacts.set(id, next);
    this.contactsVersion++;
    this.outbox.push(entry);
    this.changed();
    this.pushNow();
    return true;
  }

  dismissRejection(id: string): Promise<void> {
    return this.serial(() => this.dismissNow(id));
  }

  private async dismissNow(id: string): Promise<void> {
    if (this.refused.some((r) => r.id === id)) {
      this.refused = this.refused.filter((r) => r.id !== id);
      await this.store.setState('refused', this.refused);
      this.changed();
    }
    const record = this.contacts.get(id);
    if (!record?.rejected) return;
    const next = { ...record, rejected: null };
    await this.store.apply({ putRecords: [next] });
    this.contacts.set(id, next);
    this.contactsVersion++;
    this.changed();
  }

  // ---- the connection -------------------------------------------------------------------

  helloFrame(): DeviceFrame {
    return { t: 'hello', v: 1, device: textToId(this.device), cursor: this.cursor, accept: ['deflate'], layout: 1 };
  }

  /** The socket opened: start (or restart) a session. */
  connected(): void {
    this.welcomed = false;
    this.inFlight = null;
    this.repairs.clear();
    this.resetGranted = null;
    this.ticksWaiting = 0;
    this.nextBatch = 0;
    this.setStatus('connecting');
    this.send(this.helloFrame());
  }

  disconnected(): void {
    this.welcomed = false;
    this.inFlight = null;
    this.repairs.clear();
    this.resetGranted = null;
    this.presence.clear();
    this.setStatus('offline');
  }

  private setStatus(status: SyncStatus): void {
    if (this.status !== status) {
      this.status = status;
      this.changed();
    }
  }

  /** One clock tick (about a second): re-ask what went unanswered (protocol 7.3). */
  tick(retryTicks = 8): void {
    if (this.status === 'offline') return;
    this.ticksWaiting++;
    if (!this.welcomed && this.ticksWaiting >= retryTicks) {
      this.ticksWaiting = 0;
      this.send(this.helloFrame());
    }
    const now = Date.now();
    if (this.inFlight && now - this.inFlight.sentAt > retryTicks * 1000) {
      this.inFlight = null;
      this.pushNow();
    }
    for (const [id, repair] of this.repairs) {
      if (now - repair.sentAt > retryTicks * 1000) this.startRepair(id);
    }
    if (!this.inFlight && now >= this.pushPausedUntil) this.pushNow();
  }

  /** Handles one frame from the server; frames are handled in arrival order. */
  receive(frame: ServerFrame): Promise<void> {
    // A page's grants of contacts new to the device are read at once (in the worker) while the
    // pages before it are still being applied; applyPage uses what still applies then.
    const projections = frame.t === 'feed' ? this.projectGrants(frame) : null;
    return this.serial(() => this.receiveNow(frame, projections));
  }

  private projectGrants(page: Extract<ServerFrame, { t: 'feed' }>): Promise<Map<FeedItem, Projected>> | null {
    const grants = page.items.filter((item) => item.t === 'grant' && !this.contacts.has(idToText(item.doc)));
    if (grants.length === 0) return null;
    const snapshots = grants.map((item) => (item as Extract<FeedItem, { t: 'grant' }>).snapshot);
    return this.projector.project(snapshots, this.region).then(
      (projected) => new Map(grants.map((item, i) => [item, projected[i] ?? null])),
      () => new Map(),
    );
  }

  private async receiveNow(frame: ServerFrame, projections: Promise<Map<FeedItem, Projected>> | null = null): Promise<void> {
    switch (frame.t) {
      case 'welcome':
        this.welcomed = true;
        this.ticksWaiting = 0;
        this.mayPush = (frame.min_layout ?? 1) <= 1;
        if (!this.mayPush) this.notice = 'This app is too old for the server: update it to send your edits.';
        // A device already at the head is caught up at welcome: no page follows.
        if (frame.head <= this.cursor) this.caughtUp();
        else this.setStatus('syncing');
        this.startPendingRepairs();
        this.pushNow();
        this.onWelcome?.();
        return;
      case 'feed':
        return this.applyPage(frame, projections ? await projections : new Map());
      case 'ack':
        return this.applyAck(frame);
      case 'sync':
        return this.applyRepairAnswer(frame.doc, frame.msg);
      case 'presence':
        this.applyPresence(frame);
        return;
      case 'error':
        this.applyError(frame);
        return;
      case 'card':
        this.onCard?.(frame.draft);
        return;
    }
  }

  private caughtUp(): void {
    this.lastSyncedMs = Date.now();
    void this.store.setState('lastSynced', this.lastSyncedMs);
    this.setStatus('live');
    this.changed();
  }

  // ---- feed pages (protocol 6, 8) -------------------------------------------------------

  private async applyPage(page: Extract<ServerFrame, { t: 'feed' }>, projections: Map<FeedItem, Projected>): Promise<void> {
    if (page.from < this.cursor && !page.reset) return; // stale or duplicate
    if (page.from > this.cursor) {
      this.send(this.helloFrame()); // a gap: restart the feed from our cursor
      return;
    }
    if (page.reset) this.resetGranted = new Set();
    const batch: StoreBatch = { put: [], remove: [], cursor: page.to };
    const touched = new Map<string, { record: ContactRecord; bytes: Uint8Array }>();
    const removed = new Set<string>();
    for (const item of page.items) await this.applyItem(item, touched, removed, projections);
    if (!page.more && this.resetGranted) {
      // The end of a full resynchronisation: drop what was not granted, unless it still has
      // edits on their way up (contacts created here).
      for (const id of this.contacts.keys()) {
        if (!this.resetGranted.has(id) && !this.hasPending(id) && !touched.has(id)) removed.add(id);
      }
      this.resetGranted = null;
    }
    // Edits waiting for a contact the feed takes away are lost: say so (the push's answer, if
    // one is in flight, replaces this with the server's own code).
    for (const id of removed) {
      if (!this.hasPending(id) && !this.inFlight?.keys.has(id)) continue;
      const kind = page.items.find((item) => idToText(item.doc) === id)?.t;
      this.noteRefused(id, kind === 'purge' ? 'purged' : kind === 'revoke' ? 'unshared' : 'removed',
        kind === 'purge' ? 'the contact was deleted for good; your edits to it were discarded'
          : 'the contact is no longer shared with you; your edits to it were discarded');
    }
    batch.put = [...touched.values()].filter(({ record }) => !removed.has(record.id));
    batch.remove = [...removed];
    await this.store.apply(batch);
    this.cursor = page.to;
    for (const { record } of batch.put) this.contacts.set(record.id, record);
    this.contactsVersion++;
    for (const id of removed) {
      this.contacts.delete(id);
      this.contactsVersion++;
      this.forget(id);
      this.outbox = this.outbox.filter((e) => e.doc !== id);
    }
    if (!page.more) this.caughtUp();
    else this.setStatus('syncing');
    this.changed();
  }

  private async applyItem(
    item: FeedItem, touched: Map<string, { record: ContactRecord; bytes: Uint8Array }>, removed: Set<string>,
    projections: Map<FeedItem, Projected>,
  ): Promise<void> {
    const id = idToText(item.doc);
    const existing = touched.get(id)?.record ?? this.contacts.get(id);
    switch (item.t) {
      case 'changes':
      case 'grant': {
        removed.delete(id);
        const known = this.contacts.has(id) || touched.has(id);
        const projected = item.t === 'grant' && !known && !this.docs.has(id) ? projections.get(item) : undefined;
        if (item.t === 'grant' && projected) {
          // A contact new to the device, read in the worker: its snapshot is the saved
          // document as is, and the document stays unloaded until the contact is opened.
          const record: ContactRecord = {
            id, contact: projected.empty ? (existing?.contact ?? projected.contact) : projected.contact,
            meta: metaToStored(item.meta), rejected: existing?.rejected ?? null, empty: projected.empty,
            terms: projected.terms, sort: projected.sort,
          };
          touched.set(id, { record, bytes: item.snapshot });
          this.resetGranted?.add(id);
          return;
        }
        // Earlier in this page? Its bytes are not stored yet: take them from the page's batch.
        const pending = touched.get(id);
        let doc = this.docs.get(id) ?? (pending ? A.load<Record<string, unknown>>(pending.bytes) : known ? await this.loadDoc(id) : emptyDocument());
        let needsRepair = false;
        // A grant of a contact new to the device: its snapshot is the saved document as is.
        let savedAs: Uint8Array | null = null;
        try {
          if (item.t === 'changes') doc = A.applyChanges(doc, item.changes)[0];
          else if (known) doc = A.loadIncremental(doc, item.snapshot);
          else {
            doc = A.load(item.snapshot);
            savedAs = item.snapshot;
          }
        } catch {
          needsRepair = true;
        }
        if (hasMissingDeps(doc)) needsRepair = true;
        this.cache(id, doc);
        const meta = item.t === 'grant' ? metaToStored(item.meta) : existing?.meta ?? null;
        const empty = isEmptyDocument(doc);
        const record = this.withTerms({
          id, contact: empty ? (existing?.contact ?? readContact(doc)) : readContact(doc), meta,
          rejected: existing?.rejected ?? null, empty, terms: [],
        });
        touched.set(id, { record, bytes: savedAs ?? A.save(doc) });
        if (item.t === 'grant') this.resetGranted?.add(id);
        if (needsRepair) this.startRepair(id);
        return;
      }
      case 'revoke':
      case 'purge':
        if (existing) removed.add(id);
        touched.delete(id);
        return;
      case 'meta':
        if (existing) {
          const record = { ...existing, meta: metaToStored(item.meta) };
          const bytes = touched.get(id)?.bytes ?? A.save(await this.loadDoc(id));
          touched.set(id, { record, bytes });
        }
        return;
    }
  }

  // ---- pushes and acks (protocol 9) -----------------------------------------------------

  /** Sends the next push if one may go now. */
  pushNow(): void {
    if (!this.welcomed || this.inFlight || !this.mayPush || Date.now() < this.pushPausedUntil) return;
    const docs: DocChanges[] = [];
    const byDoc = new Map<string, DocChanges>();
    const keys = new Map<string, number[]>();
    let bytes = 0;
    for (const entry of this.outbox) {
      if (this.repairs.has(entry.doc)) continue;
      let target = byDoc.get(entry.doc);
      if (!target) {
        if (docs.length >= MAX_PUSH_DOCS) break;
        target = { doc: textToId(entry.doc), changes: [] };
        byDoc.set(entry.doc, target);
        docs.push(target);
        keys.set(entry.doc, []);
      }
      if (bytes > 0 && bytes + entry.change.length > PUSH_BYTES) break;
      bytes += entry.change.length;
      target.changes.push(entry.change);
      if (entry.visibility) target.visibility = entry.visibility;
      keys.get(entry.doc)!.push(entry.key);
    }
    const nonEmpty = docs.filter((d) => d.changes.length > 0);
    if (nonEmpty.length === 0) return;
    const batch = this.nextBatch++;
    this.inFlight = { batch, keys, sentAt: Date.now() };
    this.send({ t: 'push', batch, docs: nonEmpty });
  }

  private async applyAck(ack: Extract<ServerFrame, { t: 'ack' }>): Promise<void> {
    const inFlight = this.inFlight;
    if (!inFlight || ack.batch !== inFlight.batch) return; // a late or duplicate ack
    this.inFlight = null;
    const removeOutbox: number[] = [];
    const dropOutboxOf: string[] = [];
    const put: { record: ContactRecord; bytes: Uint8Array }[] = [];
    for (const result of ack.results) {
      const id = idToText(result.doc);
      if (!result.rejected) {
        removeOutbox.push(...(inFlight.keys.get(id) ?? []));
        continue;
      }
      if (result.rejected.code === 'upgrade_required') {
        // The app is old, not the changes: keep everything and stop pushing.
        this.mayPush = false;
        this.notice = `The server needs a newer app: ${result.rejected.message}`;
        continue;
      }
      // Any other refusal: drop every pending change to the contact, keep an empty copy with
      // its metadata, tell the user why, and repair it from the server's version.
      dropOutboxOf.push(id);
      this.noteRefused(id, result.rejected.code, result.rejected.message);
      const record = this.contacts.get(id);
      if (record) {
        const doc = emptyDocument();
        this.cache(id, doc);
        put.push({
          record: { ...record, empty: true, rejected: { code: result.rejected.code, message: result.rejected.message, at_ms: Date.now() } },
          bytes: A.save(doc),
        });
      }
    }
    await this.store.apply({ removeOutbox, dropOutboxOf, put });
    const removedKeys = new Set(removeOutbox);
    this.outbox = this.outbox.filter((e) => !removedKeys.has(e.key) && !dropOutboxOf.includes(e.doc));
    for (const { record } of put) {
      this.contacts.set(record.id, record);
      this.contactsVersion++;
      this.startRepair(record.id);
    }
    this.changed();
    this.pushNow();
  }

  /** Keeps a lost edit's reason (one per contact, the latest) where it survives the contact. */
  private noteRefused(id: string, code: string, message: string): void {
    const record = this.contacts.get(id);
    const name = record ? displayName(record.contact) : this.refused.find((r) => r.id === id)?.name ?? '';
    this.refused = [...this.refused.filter((r) => r.id !== id), { id, name, code, message, at_ms: Date.now() }];
    void this.store.setState('refused', this.refused);
  }

  private applyError(error: Extract<ServerFrame, { t: 'error' }>): void {
    if (error.code === 'unavailable' && !error.fatal && error.batch !== undefined) {
      if (!this.inFlight || this.inFlight.batch !== error.batch) return;
      // The push was not committed: wait as told, plus up to a fifth more at random so the
      // devices told together do not come back together, then push the same entries again.
      const wait = error.retry_after_ms ?? 1000;
      this.inFlight = null;
      this.pushPausedUntil = Date.now() + wait + Math.random() * wait / 5;
      setTimeout(() => this.pushNow(), this.pushPausedUntil - Date.now() + 5);
      return;
    }
    if (error.code === 'batch_too_large') {
      this.inFlight = null;
      return;
    }
    if (error.fatal) this.notice = error.code === 'token_expired' ? null : `${error.code}: ${error.message}`;
    this.changed();
  }

  // ---- repair (protocol 10) -------------------------------------------------------------

  private startPendingRepairs(): void {
    for (const [id, record] of this.contacts) {
      if (record.empty) this.startRepair(id);
      else {
        const doc = this.docs.get(id);
        if (doc && hasMissingDeps(doc)) this.startRepair(id);
      }
    }
  }

  private startRepair(id: string): void {
    if (!this.welcomed) return;
    const state = A.initSyncState();
    void this.loadDoc(id).then((doc) => {
      const [next, msg] = A.generateSyncMessage(doc, state);
      if (!msg) return;
      this.repairs.set(id, { state: next, sentAt: Date.now() });
      this.send({ t: 'sync', doc: textToId(id), msg });
    });
  }

  private async applyRepairAnswer(docId: Uint8Array, msg: Uint8Array): Promise<void> {
    const id = idToText(docId);
    const repair = this.repairs.get(id);
    if (!repair) return;
    let doc = await this.loadDoc(id);
    if (msg.length === 0) {
      this.repairs.delete(id);
      if (isEmptyDocument(doc) && !this.hasPending(id)) {
        await this.store.apply({ remove: [id] });
        this.contacts.delete(id);
        this.contactsVersion++;
        this.forget(id);
        this.changed();
      }
      return;
    }
    let state = repair.state;
    [doc, state] = A.receiveSyncMessage(doc, state, msg);
    this.cache(id, doc);
    const announced = A.decodeSyncMessage(msg).heads;
    const heads = new Set(A.getHeads(doc));
    const complete = !hasMissingDeps(doc) && announced.every((h) => heads.has(h));
    const record = this.contacts.get(id);
    if (record && !isEmptyDocument(doc)) {
      const next = this.withTerms({ ...record, contact: readContact(doc), empty: false });
      await this.store.apply({ put: [{ record: next, bytes: A.save(doc) }] });
      this.contacts.set(id, next);
      this.contactsVersion++;
      this.changed();
    }
    if (complete) {
      this.repairs.delete(id);
      this.pushNow();
      return;
    }
    const [nextState, reply] = A.generateSyncMessage(doc, state);
    this.repairs.set(id, { state: nextState, sentAt: Date.now() });
    if (reply) this.send({ t: 'sync', doc: docId, msg: reply });
  }

  // ---- presence (protocol 11) -----------------------------------------------------------

  sendPresence(id: string, state: PresenceState): void {
    if (!this.welcomed) return; // presence is never queued while offline
    this.send({ t: 'presence', doc: textToId(id), state, member: null, device: null });
  }

  private applyPresence(frame: Extract<ServerFrame, { t: 'presence' }>): void {
    if (!frame.member || !frame.device) return;
    const id = idToText(frame.doc);
    const device = idToText(frame.device);
    const others = (this.presence.get(id) ?? []).filter((p) => p.device !== device);
    if (frame.state !== 'left') others.push({ member: idToText(frame.member), device, state: frame.state, at_ms: Date.now() });
    this.presence.set(id, others);
    this.changed();
  }

  /** People seen on a contact in the last two minutes (presence has no expiry of its own). */
  presenceOn(id: string): PresenceEntry[] {
    const cutoff = Date.now() - 120_000;
    return (this.presence.get(id) ?? []).filter((p) => p.at_ms >= cutoff);
  }

  sortedIds(): string[] {
    return [...this.contacts.values()]
      .sort((a, b) => displayName(a.contact).localeCompare(displayName(b.contact)))
      .map((r) => r.id);
  }
}
