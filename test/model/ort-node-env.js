// Jest environment for tests that run onnxruntime-node. The native addon creates its output
// arrays in Node's main realm, while jest's node environment gives each test file its own
// realm, so onnxruntime-common's `data instanceof Float32Array` check fails on them
// ("A float32 tensor's data must be type of function Float32Array()"). Sharing the main realm's
// typed-array and buffer constructors with the test realm fixes it. Use it with the docblock
//   /** @jest-environment ./test/model/ort-node-env.js */
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

class OrtNodeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) if (globalThis[name]) this.global[name] = globalThis[name];
  }
}

module.exports = OrtNodeEnvironment;
