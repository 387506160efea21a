import type { Replica } from '../sync/replica.ts';

const LABEL = { offline: 'Offline', connecting: 'Connecting', syncing: 'Syncing', live: 'Live' } as const;

function since(ms: number | null): string {
  if (ms === null) return 'never synced';
  const d = new Date(ms);
  return `synced ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** Always on screen: offline / syncing / live, the edits waiting to go up, and the last sync. */
export function StatusBar({ replica }: { replica: Replica }) {
  const waiting = replica.pendingCount();
  return (
    <div class="status" role="status" data-testid="sync-status" data-state={replica.status}>
      <span class={`dot dot-${replica.status}`} aria-hidden="true" />
      <span data-testid="sync-state">{LABEL[replica.status]}</span>
      <span data-testid="pending" data-count={waiting}>
        {waiting === 0 ? 'all edits sent' : `${waiting} ${waiting === 1 ? 'edit' : 'edits'} waiting`}
      </span>
      <span data-testid="last-synced">{since(replica.lastSyncedMs)}</span>
      {replica.notice && <span class="notice">{replica.notice}</span>}
    </div>
  );
}
