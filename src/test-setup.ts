// Vitest setup (every test file): TF.js's own notices (the "install our node backend" banner and
// kernel-fallback warnings) stay out of the test output, so a passing run prints the runner's summary.
// Warnings the project itself writes are unaffected.
import * as tf from '@tensorflow/tfjs-core';

tf.env().set('IS_TEST', true);
