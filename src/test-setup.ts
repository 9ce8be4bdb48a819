// Vitest setup (every test file): TF.js's own notices (the "install our node backend" banner and
// kernel-fallback warnings) stay out of the test output, so a passing run prints the runner's summary.
// PROD only silences TF.js's warn/log; IS_TEST would also switch on its kernel leak checks, which a
// wasm kernel of tfjs 4.22 (logSoftmax) fails. Warnings the project itself writes are unaffected.
import * as tf from '@tensorflow/tfjs-core';

tf.env().set('PROD', true);
