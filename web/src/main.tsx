import { render } from 'preact';
import { initializeWasm } from '@automerge/automerge/slim';
// Automerge's WebAssembly as a file of its own (hashed name, precached by the service worker):
// the CSP allows 'wasm-unsafe-eval' but no inline code, and a separate file keeps the JS small.
import automergeWasm from '@automerge/automerge/automerge.wasm?url';
import { Device } from './sync/session.ts';
import { ReplicaStore } from './sync/store.ts';
import { App } from './ui/App.tsx';
import './styles.css';

async function main(): Promise<void> {
  // The list draws from IndexedDB first; Automerge's WebAssembly (3.6 MB) is fetched and
  // compiled only once the first screen is painted and every record read (its compile would
  // compete with them for the phone's cores), and only sync and edits wait for it.
  let painted!: () => void;
  const afterPaint = new Promise<void>((resolve) => { painted = resolve; });
  const ready = afterPaint.then(() => initializeWasm(automergeWasm));
  const store = await ReplicaStore.open();
  const restored = await Device.restore(store, ready);
  render(<App store={store} restored={restored} ready={ready} />, document.getElementById('app')!);
  const idle = (then: () => void) => ('requestIdleCallback' in window ? requestIdleCallback(then, { timeout: 1000 }) : setTimeout(then, 0));
  requestAnimationFrame(() => setTimeout(() => void (restored?.replica.recordsRead ?? Promise.resolve()).then(() => idle(painted)), 0));
  if ('serviceWorker' in navigator && import.meta.env.PROD) {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((error: unknown) => console.warn('rolo: no service worker', error));
  }
}

void main();
