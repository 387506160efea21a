// Tests run in Node: load Automerge's WebAssembly from the package file (the browser build
// fetches it as an asset instead), and give the IndexedDB code an in-memory IndexedDB.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { initializeWasm } from '@automerge/automerge/slim';

const require = createRequire(import.meta.url);
await initializeWasm(readFileSync(require.resolve('@automerge/automerge/automerge.wasm')));
