// Where the compute runs: in a classic Blob-URL worker (WASM; keeps the panel responsive) or on
// the iframe's main thread (WebGPU, or WASM when the worker cannot start), yielding per step.
import type * as Ort from 'onnxruntime-web';
import { Compute, abortError, type ComputeJob, type ComputeOutput, type ComputeStep, type PackBytes } from './compute';
import type { Backend, ModelInfo } from './engine-api';
import { trace } from './trace';
import type { FromWorker, ToWorker } from './worker-protocol';

export interface Runner {
  readonly backend: Backend;
  readonly info: ModelInfo;
  readonly where: 'worker' | 'main-thread';
  run(job: ComputeJob, onStep: (s: ComputeStep) => void, signal: AbortSignal): Promise<ComputeOutput>;
  dispose(): Promise<void>;
}

export class MainThreadRunner implements Runner {
  readonly where = 'main-thread' as const;
  private constructor(private readonly compute: Compute) {}
  get backend(): Backend {
    return this.compute.backend;
  }
  get info(): ModelInfo {
    return this.compute.info;
  }
  get fallbackReason(): string | undefined {
    return this.compute.fallbackReason;
  }
  static async create(
    ort: typeof Ort,
    pack: PackBytes,
    opts: { verified?: boolean; preferWebGPU: boolean; wasmBinary: Uint8Array; numThreads: number },
  ): Promise<MainThreadRunner> {
    return new MainThreadRunner(await Compute.load(ort, pack, opts));
  }
  run(job: ComputeJob, onStep: (s: ComputeStep) => void, signal: AbortSignal): Promise<ComputeOutput> {
    // Test hook: `__sdeditRuntime.simulateWebGPUFailure = 'message'` makes the next WebGPU run
    // fail after its first step, as a lost device would, to exercise the fallback to WASM.
    const t = trace() as { simulateWebGPUFailure?: string };
    const simulated = this.backend === 'webgpu' ? t.simulateWebGPUFailure : undefined;
    if (!simulated) return this.compute.run(job, onStep, signal);
    t.simulateWebGPUFailure = undefined;
    return this.compute.run(
      job,
      (s) => {
        onStep(s);
        throw new Error(simulated);
      },
      signal,
    );
  }
  dispose(): Promise<void> {
    return this.compute.dispose();
  }
}

export class WorkerRunner implements Runner {
  readonly where = 'worker' as const;
  readonly backend = 'wasm' as const;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { onStep: (s: ComputeStep) => void; resolve: (r: ComputeOutput) => void; reject: (e: Error) => void }
  >();

  private constructor(
    private readonly worker: Worker,
    private readonly url: string,
    readonly info: ModelInfo,
  ) {
    worker.onmessage = (ev: MessageEvent<FromWorker>) => this.onMessage(ev.data);
    worker.onerror = (ev) => {
      const err = new Error(`The WASM worker failed: ${ev.message || 'unknown error'}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  /** Start the worker from its embedded script; rejects when the iframe does not allow it. */
  static async create(script: string, pack: PackBytes, wasmBinary: Uint8Array, numThreads: number): Promise<WorkerRunner> {
    const url = URL.createObjectURL(new Blob([script], { type: 'text/javascript' }));
    let worker: Worker;
    try {
      worker = new Worker(url, { name: 'sdedit-wasm' });
    } catch (e) {
      URL.revokeObjectURL(url);
      throw e;
    }
    const info = await new Promise<ModelInfo>((resolve, reject) => {
      worker.onmessage = (ev: MessageEvent<FromWorker>) => {
        if (ev.data.type === 'ready') resolve(ev.data.info);
        else if (ev.data.type === 'init-error') reject(new Error(ev.data.message));
      };
      worker.onerror = (ev) => {
        ev.preventDefault();
        reject(new Error(`The WASM worker could not start: ${ev.message || 'blocked by the page'}`));
      };
      const wasmCopy = wasmBinary.slice().buffer as ArrayBuffer;
      const msg: ToWorker = {
        type: 'init',
        wasmBinary: wasmCopy,
        name: pack.name,
        manifestText: pack.manifestText,
        files: [...pack.files.entries()].map(([k, v]) => [k, v.slice()]),
        numThreads,
      };
      worker.postMessage(msg, [wasmCopy]);
    }).catch((e: unknown) => {
      worker.terminate();
      URL.revokeObjectURL(url);
      throw e;
    });
    return new WorkerRunner(worker, url, info);
  }

  private onMessage(msg: FromWorker): void {
    if (msg.type === 'ready' || msg.type === 'init-error') return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.type === 'step') p.onStep(msg.step);
    else if (msg.type === 'done') {
      this.pending.delete(msg.id);
      p.resolve(msg.result);
    } else {
      this.pending.delete(msg.id);
      p.reject(msg.name === 'AbortError' ? abortError() : Object.assign(new Error(msg.message), { name: msg.name, code: msg.code }));
    }
  }

  run(job: ComputeJob, onStep: (s: ComputeStep) => void, signal: AbortSignal): Promise<ComputeOutput> {
    if (signal.aborted) return Promise.reject(abortError());
    const id = this.nextId++;
    return new Promise<ComputeOutput>((resolve, reject) => {
      const onAbort = () => this.post({ type: 'cancel', id });
      signal.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        onStep,
        resolve: (r) => {
          signal.removeEventListener('abort', onAbort);
          resolve(r);
        },
        reject: (e) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      const copy = { ...job, guide: job.guide.slice(), mask: job.mask ? job.mask.slice() : null };
      this.post({ type: 'run', id, job: copy }, [copy.guide.buffer as ArrayBuffer, ...(copy.mask ? [copy.mask.buffer as ArrayBuffer] : [])]);
    });
  }

  private post(msg: ToWorker, transfer: Transferable[] = []): void {
    this.worker.postMessage(msg, transfer);
  }

  async dispose(): Promise<void> {
    this.worker.terminate();
    URL.revokeObjectURL(this.url);
  }
}
