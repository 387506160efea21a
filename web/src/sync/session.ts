// One signed-in device: the stored session (tokens refreshed before they expire, each new pair
// stored before it is used), the replica and its connection. The UI holds one of these.

import { getJson, refresh, requestJson, type Session } from './api.ts';
import { CardQueue, draftFromFrame } from './cards.ts';
import { Connection, type TokenSource } from './connection.ts';
import { WorkerProjector } from './projector.ts';
import { Replica } from './replica.ts';
import { ReplicaStore } from './store.ts';

/** Refresh this long before the access token expires, to cover clock skew and slow networks. */
const REFRESH_MARGIN_MS = 60_000;

export class Device implements TokenSource {
  readonly replica: Replica;
  readonly cards: CardQueue;
  private connection: Connection | null = null;
  /** Reads granted snapshots in a worker: a first full sync's 10,000 loads off the main thread. */
  private readonly projector = new WorkerProjector();
  private refreshing: Promise<Session> | null = null;
  private signedOutListeners = new Set<() => void>();

  private constructor(private readonly store: ReplicaStore, public session: Session, private readonly ready: Promise<unknown>) {
    this.replica = new Replica(store, { member: session.member, device: session.device }, () => undefined, session.region, ready, this.projector);
    this.cards = new CardQueue(store, this);
    this.replica.onCard = (draft) => void this.cards.applyDraft(draftFromFrame(draft));
    this.replica.onWelcome = () => void this.cards.uploadWaiting();
  }

  /** The device signed in earlier on this browser, if any, with its replica loading. */
  static async restore(store: ReplicaStore, ready: Promise<unknown>): Promise<Device | null> {
    const session = await store.getState<Session>('session');
    if (!session) return null;
    const device = new Device(store, session, ready);
    // The first screen only: the other records are read after the first paint.
    await device.replica.loadFirstScreen();
    await device.cards.load();
    return device;
  }

  /** A new session (sign-up, login): a different member or device starts from an empty replica. */
  static async begin(store: ReplicaStore, session: Session, ready: Promise<unknown>): Promise<Device> {
    const previous = await store.getState<Session>('session');
    if (previous && (previous.member !== session.member || previous.device !== session.device)) await store.clear();
    await store.setState('session', session);
    const device = new Device(store, session, ready);
    await device.replica.load();
    await device.cards.load();
    return device;
  }

  start(): void {
    // A phone with nothing yet is about to be granted every contact: start the worker (and
    // its compile of Automerge) now rather than at the first page.
    if (this.replica.cursor === 0) this.projector.warm();
    void this.ready.then(() => {
      this.connection ??= new Connection(this.replica, this);
      this.connection.start();
    });
    void this.loadMembers();
  }

  /** Teammates' names, for presence ("Mina is editing"); kept for offline use. */
  members = new Map<string, string>();

  private async loadMembers(): Promise<void> {
    const cached = await this.store.getState<[string, string][]>('members');
    if (cached) this.members = new Map(cached);
    try {
      const list = await getJson<{ members: { id: string; name: string }[] }>('/v1/members', await this.accessToken());
      this.members = new Map(list.members.map((m) => [m.id, m.name]));
      await this.store.setState('members', [...this.members]);
    } catch {
      // Offline: the cached names do.
    }
  }

  async signOut(): Promise<void> {
    this.replica.close();
    this.connection?.stop();
    this.connection = null;
    await this.store.clear();
  }

  onSignedOut(listener: () => void): void {
    this.signedOutListeners.add(listener);
  }

  signedOut(): void {
    this.replica.close();
    this.connection?.stop();
    this.connection = null;
    for (const listener of this.signedOutListeners) listener();
  }

  /** A REST call as this device's member (history, sharing, members): online only. */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return requestJson<T>(method, path, await this.accessToken(), body);
  }

  /** A multipart upload (a card's photos). */
  async upload(path: string, form: FormData): Promise<unknown> {
    const response = await fetch(path, { method: 'PUT', headers: { authorization: `Bearer ${await this.accessToken()}` }, body: form });
    if (!response.ok) throw new Error(`upload refused: ${response.status}`);
    return response.json();
  }

  /** A stored image (a card photo) as an object URL for an <img>: blobs need the token. */
  async blobUrl(sha256: string): Promise<string> {
    const response = await fetch(`/v1/blobs/${sha256}`, { headers: { authorization: `Bearer ${await this.accessToken()}` } });
    if (!response.ok) throw new Error(`no image: ${response.status}`);
    return URL.createObjectURL(await response.blob());
  }

  async accessToken(force = false): Promise<string> {
    if (!force && this.session.expires_at_ms - REFRESH_MARGIN_MS > Date.now()) return this.session.access_token;
    this.refreshing ??= refresh(this.session)
      .then(async (next) => {
        await this.store.setState('session', next);
        this.session = next;
        return next;
      })
      .finally(() => {
        this.refreshing = null;
      });
    return (await this.refreshing).access_token;
  }
}
