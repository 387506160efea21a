import { useEffect, useState } from 'preact/hooks';
import type { Replica } from '../sync/replica.ts';

/** Re-renders when the replica changes, at most once per animation frame. */
export function useReplica(replica: Replica): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let scheduled = false;
    return replica.subscribe(() => {
      if (scheduled) return;
      scheduled = true;
      requestAnimationFrame(() => {
        scheduled = false;
        setVersion((v) => v + 1);
      });
    });
  }, [replica]);
  return version;
}

/** The current hash route, as path segments: `#/c/123/edit` → ['c', '123', 'edit']. */
export function useRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export function go(path: string): void {
  location.hash = path;
}
