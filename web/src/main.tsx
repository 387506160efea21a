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
  // compiled only after that first paint, and only sync and edits wait for it.
  let painted!: () => void;
  const afterPaint = new Promise<void>((resolve) => { painted = resolve; });
  const ready = afterPaint.then(() => initializeWasm(automergeWasm));
  const store = await ReplicaStore.open();
  const restored = await Device.restore(store, ready);
  render(<App store={store} restored={restored} ready={ready} />, document.getElementById('app')!);
  requestAnimationFrame(() => setTimeout(painted, 0));
  if ('serviceWorker' in navigator && import.meta.env.PROD) {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((error: unknown) => console.warn('rolo: no service worker', error));
  }
}

void main();
