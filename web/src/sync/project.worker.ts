// The worker behind WorkerProjector (src/sync/projector.ts): loads granted snapshots with its
// own copy of Automerge's WebAssembly and answers with their records, one message per page.
import { initializeWasm } from '@automerge/automerge/slim';
import automergeWasm from '@automerge/automerge/automerge.wasm?url';
import { projectSnapshot, type ProjectAnswer, type ProjectRequest } from './projector.ts';

const ready = initializeWasm(automergeWasm);

self.onmessage = async (event: MessageEvent<ProjectRequest>) => {
  const { id, region, snapshots } = event.data;
  let answer: ProjectAnswer;
  try {
    await ready;
    answer = { id, projected: snapshots.map((s) => projectSnapshot(s, region)) };
  } catch (error) {
    answer = { id, error: String(error) };
  }
  self.postMessage(answer);
};
