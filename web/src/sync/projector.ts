// A granted contact's snapshot read into what the list and search need (its ContactJson, search
// terms and sort key) without keeping the document loaded. A first full sync grants 10,000
// snapshots; `Automerge.load` of each is most of its cost, so the browser does it in a worker
// (src/sync/project.worker.ts), off the main thread and while the main thread reads and stores
// the pages; tests (Node) do it in line.

import * as A from '@automerge/automerge/slim';
import type { ContactJson } from './contact.ts';
import { hasMissingDeps, isEmptyDocument, readContact } from './document.ts';
import { indexTerms, sortKey } from './search.ts';

/** One snapshot read: null when it did not load cleanly (it is then loaded the usual way, on
 * the main thread, which repairs it). */
export type Projected = { contact: ContactJson; empty: boolean; terms: string[]; sort: string } | null;

export interface Projector {
  project(snapshots: Uint8Array[], region: string): Promise<Projected[]>;
  /** Ends a worker (the device signs out). */
  stop?(): void;
}

/** Reads one snapshot: load, read, free. */
export function projectSnapshot(bytes: Uint8Array, region: string): Projected {
  let doc;
  try {
    doc = A.load<Record<string, unknown>>(bytes);
  } catch {
    return null;
  }
  try {
    if (hasMissingDeps(doc)) return null;
    const contact = readContact(doc);
    return { contact, empty: isEmptyDocument(doc), terms: indexTerms(contact, region), sort: sortKey(contact) };
  } finally {
    A.free(doc);
  }
}

/** In line, on the calling thread (tests, and the fallback when workers are unavailable). */
export const inlineProjector: Projector = {
  project: (snapshots, region) => Promise.resolve(snapshots.map((s) => projectSnapshot(s, region))),
};

export interface ProjectRequest {
  id: number;
  region: string;
  snapshots: Uint8Array[];
}

export interface ProjectAnswer {
  id: number;
  projected?: Projected[];
  error?: string;
}

/** One module worker (src/sync/project.worker.ts) and the pages it is reading. */
class ProjectWorker {
  private readonly worker: Worker;
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (p: Projected[]) => void; reject: (e: Error) => void }>();
  failed = false;

  constructor() {
    this.worker = new Worker(new URL('./project.worker.ts', import.meta.url), { type: 'module', name: 'rolo-project' });
    this.worker.onmessage = (event: MessageEvent<ProjectAnswer>) => {
      const answer = event.data;
      const waiter = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      if (answer.projected) waiter?.resolve(answer.projected);
      else waiter?.reject(new Error(answer.error ?? 'the worker could not read the snapshots'));
    };
    this.worker.onerror = (event) => {
      // A worker that cannot start (or crashed): what it was reading is read in line instead.
      event.preventDefault();
      this.failed = true;
      this.stop();
    };
  }

  project(snapshots: Uint8Array[], region: string): Promise<Projected[]> {
    const id = this.next++;
    const answer = new Promise<Projected[]>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    const request: ProjectRequest = { id, region, snapshots };
    this.worker.postMessage(request);
    return answer;
  }

  stop(): void {
    this.worker.terminate();
    for (const waiter of this.waiting.values()) waiter.reject(new Error('the worker stopped'));
    this.waiting.clear();
  }
}

/**
 * Module workers, one per core up to two, started at the first use (or by `warm`): a page's
 * snapshots are split between them. Any failure reads that page in line instead.
 */
export class WorkerProjector implements Projector {
  private workers: ProjectWorker[] = [];

  warm(): void {
    if (this.workers.length > 0 || typeof Worker === 'undefined') return;
    const count = Math.max(1, Math.min(2, navigator.hardwareConcurrency || 1));
    this.workers = Array.from({ length: count }, () => new ProjectWorker());
  }

  project(snapshots: Uint8Array[], region: string): Promise<Projected[]> {
    if (snapshots.length === 0) return Promise.resolve([]);
    this.warm();
    const workers = this.workers.filter((w) => !w.failed);
    if (workers.length === 0) return inlineProjector.project(snapshots, region);
    const share = Math.ceil(snapshots.length / workers.length);
    const parts = workers.map((worker, i) => worker.project(snapshots.slice(i * share, (i + 1) * share), region));
    return Promise.all(parts).then((answers) => answers.flat(), () => inlineProjector.project(snapshots, region));
  }

  stop(): void {
    for (const worker of this.workers) worker.stop();
    this.workers = [];
  }
}
