// Every error class of the data, model, runtime, training and evaluation layers extends PeapodError,
// keeps its name and message, and has a code no other class uses (codes are what callers branch on).
import { describe, expect, it } from 'vitest';
import { errorCode, PeapodError } from './errors.ts';
import * as data from './data/errors.ts';
import { UnseenItemsExhaustedError } from './data/unseen.ts';
import { BaselineInputError } from './eval/baselines.ts';
import { CollabRangeError } from './model/inputs/collab.ts';
import { ExplanationBaselineInputError } from './eval/explanation-baselines.ts';
import { EmptyEvaluationError, InvalidCutoffError, MetricInputError, MetricLengthMismatchError } from './eval/metrics.ts';
import { BaselineSetupError } from './eval/node-baselines.ts';
import { PackDataMissingError } from './eval/node-eval.ts';
import { PrepareError } from './data/prepare.ts';
import * as model from './model/errors.ts';
import { FoldInInputError } from './model/foldin.ts';
import { NeighbourInputError } from './model/neighbours.ts';
import { MissingParamError, ParamShapeError } from './model/params.ts';
import { ModelConfigError, ModelInputError } from './model/t5/config.ts';
import { WasmBackendMissingError } from './model/wasm-kernels.ts';
import { BackendUnavailableError, BadRequestError, DeviceLostError, InternalError, NotReadyError, PackCorruptError, PackLoadError, UnknownUserError } from './runtime/errors.ts';
import { RequestSupersededError, WorkerTerminatedError } from './runtime/worker-engine.ts';
import { PackFetchError } from './runtime/fetch-progress.ts';
import { CfInputError } from './train/cf.ts';
import { CheckpointError as TrainCheckpointError } from './train/checkpoint.ts';
import { PackTooLargeError } from './train/export.ts';
import { UnknownGradientError } from './train/optimizer.ts';
import { UserTooShortError } from './train/samples.ts';

const where = { file: 'sequences.txt', line: 3, hint: 'Fix the line.' };

/** One instance of every class with a fixed code: [error, its name, its code]. */
const ONE_OF_EACH: [PeapodError, string, string][] = [
  [new data.DatasetError('bad', where), 'DatasetError', 'data-error'],
  [new data.DatasetFormatError('bad', where), 'DatasetFormatError', 'data-format'],
  [new data.InvalidIdError('bad', where), 'InvalidIdError', 'data-invalid-id'],
  [new data.DuplicateUserError('bad', where), 'DuplicateUserError', 'data-duplicate-user'],
  [new data.DuplicateRecordError('bad', where), 'DuplicateRecordError', 'data-duplicate-record'],
  [new data.EmptyFileError('bad', where), 'EmptyFileError', 'data-empty-file'],
  [new data.TruncatedFileError('bad', where), 'TruncatedFileError', 'data-truncated-file'],
  [new data.EncodingError('bad', where), 'EncodingError', 'data-encoding'],
  [new data.GzipError('bad', where), 'GzipError', 'data-gzip'],
  [new data.MissingDatasetError('bad', where), 'MissingDatasetError', 'data-missing-dataset'],
  [new data.InconsistentDatasetError('bad', where), 'InconsistentDatasetError', 'data-inconsistent'],
  [new data.ChecksumMismatchError('bad', where), 'ChecksumMismatchError', 'data-checksum-mismatch'],
  [new data.DownloadError('bad', where), 'DownloadError', 'data-download'],
  [new data.SplitError('bad', where), 'SplitError', 'data-split'],
  [new UnseenItemsExhaustedError('bad'), 'UnseenItemsExhaustedError', 'data-unseen-items-exhausted'],
  [new model.PeapodModelError('bad'), 'PeapodModelError', 'model-error'],
  [new MissingParamError('bad'), 'MissingParamError', 'model-missing-param'],
  [new ParamShapeError('bad'), 'ParamShapeError', 'model-param-shape'],
  [new model.ModelPackMissingFileError('items.json', 'the server'), 'ModelPackMissingFileError', 'pack-missing-file'],
  [new model.ModelPackTruncatedError('items.json', 10, 5), 'ModelPackTruncatedError', 'pack-truncated'],
  [new model.ModelPackCorruptError('items.json', 'bad'), 'ModelPackCorruptError', 'pack-corrupt'],
  [new model.ModelPackMismatchError('manifest.json', null, 'bad'), 'ModelPackMismatchError', 'pack-mismatch'],
  [new model.ModelPackVersionError('manifest.json', 'bad'), 'ModelPackVersionError', 'pack-version'],
  [new model.ModelPackInvalidManifestError('manifest.json', 'bad'), 'ModelPackInvalidManifestError', 'pack-invalid-manifest'],
  [new model.TokenizerError('bad'), 'TokenizerError', 'model-tokenizer'],
  [new model.GenerationAbortedError(2), 'GenerationAbortedError', 'model-generation-aborted'],
  [new model.GenerationInputError('bad'), 'GenerationInputError', 'model-generation-input'],
  [new FoldInInputError('bad'), 'FoldInInputError', 'model-fold-in-input'],
  [new NeighbourInputError('bad'), 'NeighbourInputError', 'model-neighbour-input'],
  [new ModelConfigError('bad'), 'ModelConfigError', 'model-config'],
  [new ModelInputError('bad'), 'ModelInputError', 'model-input'],
  [new WasmBackendMissingError('bad'), 'WasmBackendMissingError', 'model-wasm-backend-missing'],
  [new PackFetchError('/m.json', 404, 'HTTP 404'), 'PackFetchError', 'runtime-pack-fetch'],
  [new UnknownUserError('abc', 3), 'UnknownUser', 'UnknownUser'],
  [new NotReadyError('infer'), 'NotReady', 'NotReady'],
  [new BadRequestError('bad'), 'BadRequest', 'BadRequest'],
  [new DeviceLostError('webgpu', 'bad'), 'DeviceLost', 'DeviceLost'],
  [new PackLoadError('beauty', 'bad'), 'PackLoadFailed', 'PackLoadFailed'],
  [new PackCorruptError('bad', 'fix it'), 'PackCorrupt', 'PackCorrupt'],
  [new BackendUnavailableError('bad', 'fix it'), 'BackendUnavailable', 'BackendUnavailable'],
  [new InternalError('bad', 'fix it'), 'Internal', 'Internal'],
  [new WorkerTerminatedError('infer'), 'WorkerTerminatedError', 'runtime-worker-terminated'],
  [new RequestSupersededError(), 'RequestSupersededError', 'runtime-request-superseded'],
  [new UnknownGradientError('bad'), 'UnknownGradientError', 'train-unknown-gradient'],
  [new UserTooShortError('bad'), 'UserTooShortError', 'train-user-too-short'],
  [new TrainCheckpointError('bad'), 'CheckpointError', 'train-checkpoint'],
  [new CfInputError('bad'), 'CfInputError', 'train-cf-input'],
  [new PackTooLargeError('bad'), 'PackTooLargeError', 'train-pack-too-large'],
  [new PackDataMissingError('bad'), 'PackDataMissingError', 'eval-pack-data-missing'],
  [new BaselineInputError('bad'), 'BaselineInputError', 'eval-baseline-input'],
  [new ExplanationBaselineInputError('bad'), 'ExplanationBaselineInputError', 'eval-explanation-baseline-input'],
  [new MetricInputError('bad'), 'MetricInputError', 'eval-metric-input'],
  [new MetricLengthMismatchError('HR', 'lists', 2, 'targets', 3), 'MetricLengthMismatchError', 'eval-metric-length-mismatch'],
  [new EmptyEvaluationError('HR'), 'EmptyEvaluationError', 'eval-empty-evaluation'],
  [new InvalidCutoffError('HR', 0), 'InvalidCutoffError', 'eval-invalid-cutoff'],
  [new PrepareError('bad'), 'PrepareError', 'eval-prepare'],
  [new CollabRangeError('bad'), 'CollabRangeError', 'eval-collab-range'],
  [new BaselineSetupError('bad'), 'BaselineSetupError', 'eval-baseline-setup'],
];

/** The model layer's CheckpointError names its problem in its code instead (every CheckpointErrorCode). */
const CHECKPOINT_CODES: model.CheckpointErrorCode[] = ['truncated', 'header', 'offsets', 'shape', 'dtype', 'range', 'missing', 'extra', 'invalid', 'dataset', 'file'];

describe('PeapodError', () => {
  it('is the base of every error class, which keeps its name and message and has its own code', () => {
    for (const [e, name, code] of ONE_OF_EACH) {
      expect([e instanceof PeapodError, e instanceof Error, e.name, e.code, errorCode(e)]).toEqual([true, true, name, code, code]);
    }
    expect(new ModelConfigError('dModel must be positive').message).toBe('dModel must be positive');
    expect(new data.GzipError('not gzip', where).message).toBe('sequences.txt:3: not gzip. Fix the line.');
    expect(new model.ModelPackCorruptError('a.bin', 'bad bytes').message).toBe('Model pack file "a.bin" is corrupt: bad bytes. Delete the cached copy and download the pack again; if it persists, re-export the pack.');
  });

  it('no two classes share a code, and the checkpoint problems do not collide with any class code', () => {
    const codes = ONE_OF_EACH.map(([, , code]) => code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of CHECKPOINT_CODES) {
      const e = new model.CheckpointError(c, null, 'bad');
      expect([e instanceof PeapodError, e.name, errorCode(e)]).toEqual([true, 'CheckpointError', c]);
      expect(codes).not.toContain(c);
    }
  });

  it('the model layer keeps its own base class; foreign values have no code', () => {
    for (const [e, , code] of ONE_OF_EACH) expect(e instanceof model.PeapodModelError).toBe(code.startsWith('model-') || code.startsWith('pack-'));
    for (const x of [new Error('x'), new RangeError('x'), 'x', null, undefined, { code: 'pack-corrupt' }]) expect(errorCode(x)).toBeNull();
  });
});
