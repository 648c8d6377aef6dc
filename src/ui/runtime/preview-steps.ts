// Which steps of a run send the panel an x̂0 preview. One rule for both loops (the CPU-update loop
// in compute.ts and the GPU-resident loop in resident.ts).

/**
 * Whether step `step` (1-based, of `total`) sends its x̂0 preview: every `every` steps (0 = never),
 * but not the last, whose x̂0 is the result itself and is delivered at once. A preview there only
 * held the result back: at 256² on WASM its copy, transfer and PNG encode on the iframe's main
 * thread came just ahead of the result (≈ 22 ms of a 3.9 s edit), and on WebGPU it was one more
 * readback.
 */
export function previewDue(step: number, total: number, every: number): boolean {
  return every > 0 && step < total && step % every === 0;
}
