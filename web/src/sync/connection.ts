// The WebSocket to /v1/sync (protocol section 2): opens it with a fresh access token in the
// `access_token` query parameter (browsers cannot set headers on a WebSocket), hands frames to
// the replica in order, and reconnects with backoff. A fatal `token_expired` refreshes the
// token and reconnects at once; `unauthorized` signs the device out; `rate_limited` and other
// fatal errors wait a growing, jittered delay.

import { encodeFrame, readServerMessage, type ServerFrame } from './frames.ts';
import type { Replica } from './replica.ts';

export interface TokenSource {
  /** A valid access token, refreshed first if it is about to expire. */
  accessToken(force?: boolean): Promise<string>;
  /** The server refused our credentials for good. */
  signedOut(): void;
}

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 30_000;
/** A repeated `hello` on an idle connection recovers a lost last page (protocol 7.5). */
const KEEPALIVE_MS = 45_000;

export class Connection {
  private socket: WebSocket | null = null;
  private backoff = MIN_BACKOFF_MS;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private ticker: ReturnType<typeof setInterval> | null = null;
  private keepalive: ReturnType<typeof setInterval> | null = null;
  private stopped = false;
  private refreshFirst = false;
  /** Sockets that closed before opening while the browser was online. A browser cannot read
   * why an upgrade was refused (protocol section 17, gap 12): after two, the access token is
   * refreshed first in case the server no longer takes it. */
  private failedOpens = 0;
  private incoming: Promise<void> = Promise.resolve();

  constructor(private readonly replica: Replica, private readonly tokens: TokenSource, private readonly base = location.origin) {
    replica.setSender((frame) => {
      if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(encodeFrame(frame));
    });
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
  }

  private onOnline = () => {
    this.backoff = MIN_BACKOFF_MS;
    this.connectSoon(0);
  };

  private onOffline = () => {
    this.socket?.close();
  };

  start(): void {
    this.stopped = false;
    this.ticker ??= setInterval(() => this.replica.tick(), 1000);
    this.keepalive ??= setInterval(() => {
      if (this.replica.status === 'live' && this.socket?.readyState === WebSocket.OPEN) this.socket.send(encodeFrame(this.replica.helloFrame()));
    }, KEEPALIVE_MS);
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.ticker) clearInterval(this.ticker);
    if (this.keepalive) clearInterval(this.keepalive);
    this.ticker = this.keepalive = this.timer = null;
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    this.socket?.close();
    this.socket = null;
  }

  private connectSoon(delay: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, delay);
  }

  private retryLater(): void {
    const jittered = this.backoff * (0.75 + Math.random() / 2);
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    this.connectSoon(jittered);
  }

  private async connect(): Promise<void> {
    // Offline, the 'online' event reconnects. Checked again after the token's await: a socket
    // opened just after the 'offline' event would never be closed by it, and some browsers
    // (Chromium's offline emulation among them) leave WebSockets working while offline.
    if (this.stopped || this.socket || !navigator.onLine) return;
    let token: string;
    try {
      token = await this.tokens.accessToken(this.refreshFirst);
      this.refreshFirst = false;
    } catch (error) {
      if ((error as { status?: number }).status === 401) return this.tokens.signedOut();
      return this.retryLater(); // offline, or the server is away
    }
    if (this.stopped || this.socket || !navigator.onLine) return;
    const url = `${this.base.replace(/^http/, 'ws')}/v1/sync?access_token=${encodeURIComponent(token)}`;
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    let fatal: ServerFrame | null = null;
    let opened = false;
    socket.onopen = () => {
      opened = true;
      this.failedOpens = 0;
      this.replica.connected();
    };
    socket.onmessage = (event) => {
      if (!(event.data instanceof ArrayBuffer)) return;
      // Decoded (and inflated) at once and handed to the replica in arrival order, without
      // waiting for the previous frame to be applied: the replica's queue applies them one at
      // a time, and reads the next pages' snapshots (in its workers) meanwhile.
      const decoded = readServerMessage(new Uint8Array(event.data));
      decoded.catch(() => undefined); // handled below, in order
      const fail = (error: unknown) => {
        console.warn('rolo: could not handle a frame', error);
        socket.close();
      };
      this.incoming = this.incoming.then(async () => {
        try {
          const frame = await decoded;
          if (frame.t === 'welcome') this.backoff = MIN_BACKOFF_MS;
          if (frame.t === 'error' && frame.fatal) fatal = frame;
          this.replica.receive(frame).catch(fail);
        } catch (error) {
          fail(error);
        }
      });
    };
    socket.onclose = () => {
      if (this.socket === socket) this.socket = null;
      if (!opened && navigator.onLine && ++this.failedOpens >= 2) {
        this.failedOpens = 0;
        this.refreshFirst = true;
      }
      this.replica.disconnected();
      void this.incoming.then(() => this.afterClose(fatal));
    };
  }

  private afterClose(fatal: ServerFrame | null): void {
    if (this.stopped) return;
    if (fatal?.t === 'error') {
      switch (fatal.code) {
        case 'token_expired':
          this.refreshFirst = true;
          return this.connectSoon(0);
        case 'unauthorized':
          return this.tokens.signedOut();
        case 'unsupported_version':
          return; // wait for an app update
      }
    }
    if (!navigator.onLine) return; // the `online` event reconnects
    this.retryLater();
  }
}
