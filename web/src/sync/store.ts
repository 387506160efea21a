// The device's durable replica in IndexedDB (protocol section 7.2): each contact's saved
// Automerge document, its plain projection and metadata, the outbox of unacknowledged changes,
// the feed cursor and the session. Whatever one local edit or one feed page changes is written
// in ONE transaction, so the cursor is never ahead of what was applied and an edit is durable
// exactly when the outbox holds it.

import type { ContactJson } from './contact.ts';
import type { Visibility } from './frames.ts';

export interface StoredMeta {
  owner: string;
  /** `all`, or the member, group and unit ids (UUID text) it is shared with. */
  visibility: { all: true } | { all: false; members: string[]; groups: string[]; units: string[] };
}

export interface Rejected {
  code: string;
  message: string;
  at_ms: number;
}

/** One contact as the list, search and contact screens need it, without Automerge. */
export interface ContactRecord {
  id: string;
  contact: ContactJson;
  meta: StoredMeta | null;
  /** The server refused this device's edits to the contact; shown on it until dismissed. */
  rejected: Rejected | null;
  /** The document is an empty copy waiting for a repair (after a rejection). */
  empty: boolean;
  /** What search finds the contact by (src/sync/search.ts indexTerms), kept with the record. */
  terms: string[];
  /** What the list sorts by (src/sync/search.ts sortKey), kept with the record. */
  sort?: string;
}

export interface OutboxEntry {
  /** Auto-increment key: the outbox's order. */
  key: number;
  doc: string;
  change: Uint8Array;
  /** On the entry that creates a contact: who may see it (absent: everyone). */
  visibility?: Visibility;
}

export interface Loaded {
  contacts: ContactRecord[];
  outbox: OutboxEntry[];
  cursor: number;
}

/** What applying one feed page (or one ack, or one repair answer) writes, all at once. */
export interface StoreBatch {
  put?: { record: ContactRecord; bytes: Uint8Array }[];
  putRecords?: ContactRecord[];
  remove?: string[];
  dropOutboxOf?: string[];
  removeOutbox?: number[];
  cursor?: number;
}

const DB_VERSION = 2;

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

export class ReplicaStore {
  private constructor(private readonly db: IDBDatabase) {}

  static async open(name = 'rolo'): Promise<ReplicaStore> {
    const req = indexedDB.open(name, DB_VERSION);
    req.onupgradeneeded = (event) => {
      const db = req.result;
      if (event.oldVersion < 1) {
        db.createObjectStore('docs');
        db.createObjectStore('contacts', { keyPath: 'id' });
        const outbox = db.createObjectStore('outbox', { keyPath: 'key', autoIncrement: true });
        outbox.createIndex('doc', 'doc');
        db.createObjectStore('state');
      }
      // Version 2: scanned cards, their photos queued until they are uploaded.
      if (event.oldVersion < 2) db.createObjectStore('cards', { keyPath: 'card' });
    };
    return new ReplicaStore(await request(req));
  }

  close(): void {
    this.db.close();
  }

  /** What a start needs before the first paint: the outbox, the cursor and the first screen of
   * the list (`listHead`, a few records kept for this), not the 10,000 records. */
  async loadHead(): Promise<Loaded & { head: ContactRecord[] }> {
    const tx = this.db.transaction(['outbox', 'state'], 'readonly');
    const [outbox, cursor, head] = await Promise.all([
      request(tx.objectStore('outbox').getAll() as IDBRequest<OutboxEntry[]>),
      request(tx.objectStore('state').get('cursor') as IDBRequest<number | undefined>),
      request(tx.objectStore('state').get('listHead') as IDBRequest<ContactRecord[] | undefined>),
    ]);
    return { contacts: [], outbox, cursor: cursor ?? 0, head: head ?? [] };
  }

  /** Up to `count` contact records after the id `after` (in id order): the records are read a
   * page at a time so no one task holds the main thread for long. */
  async contactsPage(after: string | null, count: number): Promise<ContactRecord[]> {
    const tx = this.db.transaction('contacts', 'readonly');
    const range = after === null ? undefined : IDBKeyRange.lowerBound(after, true);
    return request(tx.objectStore('contacts').getAll(range, count) as IDBRequest<ContactRecord[]>);
  }

  async load(): Promise<Loaded> {
    const tx = this.db.transaction(['contacts', 'outbox', 'state'], 'readonly');
    const [contacts, outbox, cursor] = await Promise.all([
      request(tx.objectStore('contacts').getAll() as IDBRequest<ContactRecord[]>),
      request(tx.objectStore('outbox').getAll() as IDBRequest<OutboxEntry[]>),
      request(tx.objectStore('state').get('cursor') as IDBRequest<number | undefined>),
    ]);
    return { contacts, outbox, cursor: cursor ?? 0 };
  }

  async docBytes(id: string): Promise<Uint8Array | undefined> {
    const tx = this.db.transaction('docs', 'readonly');
    return request(tx.objectStore('docs').get(id) as IDBRequest<Uint8Array | undefined>);
  }

  /** A local edit: the new document, its record and its change in the outbox, in one transaction. */
  async commitEdit(record: ContactRecord, bytes: Uint8Array, change: Uint8Array, visibility?: Visibility): Promise<OutboxEntry> {
    const tx = this.db.transaction(['docs', 'contacts', 'outbox'], 'readwrite');
    tx.objectStore('docs').put(bytes, record.id);
    tx.objectStore('contacts').put(record);
    const entry: Omit<OutboxEntry, 'key'> = visibility ? { doc: record.id, change, visibility } : { doc: record.id, change };
    const key = await request(tx.objectStore('outbox').add(entry));
    await done(tx);
    return { ...entry, key: key as number };
  }

  /** Writes a batch atomically (a feed page with its cursor, an ack, a rejection). */
  async apply(batch: StoreBatch): Promise<void> {
    const tx = this.db.transaction(['docs', 'contacts', 'outbox', 'state'], 'readwrite');
    const docs = tx.objectStore('docs');
    const contacts = tx.objectStore('contacts');
    const outbox = tx.objectStore('outbox');
    for (const { record, bytes } of batch.put ?? []) {
      docs.put(bytes, record.id);
      contacts.put(record);
    }
    for (const record of batch.putRecords ?? []) contacts.put(record);
    for (const id of batch.remove ?? []) {
      docs.delete(id);
      contacts.delete(id);
    }
    for (const id of [...(batch.dropOutboxOf ?? []), ...(batch.remove ?? [])]) {
      const keys = await request(outbox.index('doc').getAllKeys(id));
      for (const key of keys) outbox.delete(key);
    }
    for (const key of batch.removeOutbox ?? []) outbox.delete(key);
    if (batch.cursor !== undefined) tx.objectStore('state').put(batch.cursor, 'cursor');
    await done(tx);
  }

  async getState<T>(key: string): Promise<T | undefined> {
    const tx = this.db.transaction('state', 'readonly');
    return request(tx.objectStore('state').get(key) as IDBRequest<T | undefined>);
  }

  async setState(key: string, value: unknown): Promise<void> {
    const tx = this.db.transaction('state', 'readwrite');
    if (value === undefined) tx.objectStore('state').delete(key);
    else tx.objectStore('state').put(value, key);
    await done(tx);
  }

  async cards<T>(): Promise<T[]> {
    const tx = this.db.transaction('cards', 'readonly');
    return request(tx.objectStore('cards').getAll() as IDBRequest<T[]>);
  }

  async putCard(card: { card: string }): Promise<void> {
    const tx = this.db.transaction('cards', 'readwrite');
    tx.objectStore('cards').put(card);
    await done(tx);
  }

  async deleteCard(card: string): Promise<void> {
    const tx = this.db.transaction('cards', 'readwrite');
    tx.objectStore('cards').delete(card);
    await done(tx);
  }

  /** Signing out forgets everything this device held. */
  async clear(): Promise<void> {
    const stores = ['docs', 'contacts', 'outbox', 'state', 'cards'];
    const tx = this.db.transaction(stores, 'readwrite');
    for (const name of stores) tx.objectStore(name).clear();
    await done(tx);
  }
}
