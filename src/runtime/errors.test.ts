import { describe, expect, it } from 'vitest';
import { PackFetchError } from './fetch-progress.ts';
import {
  GenerationAbortedError,
  MissingParamError,
  ModelPackCorruptError,
  ModelPackInvalidManifestError,
  ModelPackMismatchError,
  ModelPackMissingFileError,
  ModelPackTruncatedError,
  ModelPackVersionError,
  ParamShapeError,
  TokenizerError,
} from '../model/errors.ts';
import { ModelConfigError } from '../model/t5/config.ts';
import {
  BackendUnavailableError,
  BadRequestError,
  DeviceLostError,
  fromProtocolError,
  InternalError,
  NotReadyError,
  PackCorruptError,
  PackLoadError,
  toProtocolError,
  UnknownUserError,
  WorkerError,
} from './errors.ts';
import type { ErrorCode, ProtocolError } from './protocol.ts';

describe('toProtocolError', () => {
  it('keeps the code, message and action of worker errors', () => {
    expect(toProtocolError(new UnknownUserError('abc', 10))).toEqual({
      code: 'UnknownUser',
      message: 'No user "abc" in this pack.',
      action: 'Type a dataset user id, #0 … #9 for a user index, or press Random.',
    });
    expect(toProtocolError(new DeviceLostError('webgpu', 'reason: destroyed')).code).toBe('DeviceLost');
  });
  it('maps download failures to PackLoadFailed naming the URL', () => {
    const p = toProtocolError(new PackFetchError('/models/beauty/manifest.json', 404, 'HTTP 404'), 'beauty');
    expect(p.code).toBe('PackLoadFailed');
    expect(p.message).toContain('/models/beauty/manifest.json');
  });
  it('recognises pack errors from the model layer by class, and lost devices by message', () => {
    expect(toProtocolError(new ModelPackCorruptError('weights.bin', 'bad sha')).code).toBe('PackCorrupt');
    expect(toProtocolError(new Error('GPUDevice was lost: destroyed')).code).toBe('DeviceLost');
    expect(toProtocolError('boom').code).toBe('Internal');
    const missing = toProtocolError(new ModelPackInvalidManifestError('manifest.json', `it is not valid JSON (Unexpected token '<', "<!doctype "...)`), 'beauty');
    expect(missing.code).toBe('PackLoadFailed');
    expect(missing.message).toContain('not on this server');
    expect(missing.causeCode).toBe('pack-invalid-manifest');
  });
  it('does not trust a class name: a plain Error merely named like a pack error is internal', () => {
    const e = new Error('weights.bin: bad sha');
    e.name = 'ModelPackCorruptError';
    expect(toProtocolError(e)).toEqual({ code: 'Internal', message: 'ModelPackCorruptError: weights.bin: bad sha', action: 'Reload the page; if it happens again, switch to the wasm backend in the header.' });
  });
});

describe('toProtocolError carries the stable code of our errors as causeCode', () => {
  it('maps each bad-pack class to PackCorrupt with its own code, from the server and from disk', () => {
    const cases: [Error, string][] = [
      [new ModelPackTruncatedError('weights/group1-shard1of1.bin', 100, 60), 'pack-truncated'],
      [new ModelPackCorruptError('weights/group1-shard1of1.bin', 'SHA-256 differs'), 'pack-corrupt'],
      [new ModelPackMissingFileError('items.json', 'the server', 'HTTP 404'), 'pack-missing-file'],
      [new ModelPackMismatchError('manifest.json', 'shared/embedding', 'wrong shape'), 'pack-mismatch'],
      [new ModelPackVersionError('manifest.json', 'formatVersion 9'), 'pack-version'],
      [new TokenizerError('tokenizer.json is damaged'), 'model-tokenizer'],
      [new MissingParamError("Weight 'lm_head' is missing"), 'model-missing-param'],
      [new ParamShapeError("Weight 'lm_head' has the wrong shape"), 'model-param-shape'],
    ];
    for (const [e, causeCode] of cases) {
      expect(toProtocolError(e, 'beauty')).toEqual({ code: 'PackCorrupt', message: e.message, action: 'Reload the page to download the pack again; if it persists the pack must be re-exported.', causeCode });
      const local = toProtocolError(e, 'local:my-pack');
      expect([local.code, local.causeCode]).toEqual(['PackCorrupt', causeCode]);
      expect(local.action).toContain('Open the whole pack folder again');
    }
  });
  it('downloads map to PackLoadFailed; our other errors to Internal, still with their code', () => {
    expect(toProtocolError(new PackFetchError('/models/beauty/manifest.json', 404, 'HTTP 404'), 'beauty').causeCode).toBe('runtime-pack-fetch');
    expect(toProtocolError(new ModelConfigError('dModel must be positive'))).toEqual({
      code: 'Internal',
      message: 'ModelConfigError: dModel must be positive',
      action: 'Reload the page; if it happens again, switch to the wasm backend in the header.',
      causeCode: 'model-config',
    });
    expect(toProtocolError(new GenerationAbortedError(3)).causeCode).toBe('model-generation-aborted');
  });
  it('foreign errors and the worker\'s own carry no causeCode; a worker error reporting one of ours carries its code', () => {
    expect(toProtocolError(new TypeError('x is undefined'))).not.toHaveProperty('causeCode');
    expect(toProtocolError(new Error('GPUDevice was lost'))).not.toHaveProperty('causeCode');
    expect(toProtocolError(new UnknownUserError('abc', 10))).not.toHaveProperty('causeCode');
    expect(toProtocolError(new PackLoadError('beauty', 'boom', { cause: new TypeError('boom') }))).not.toHaveProperty('causeCode');
    const wrapped = toProtocolError(new PackLoadError('beauty', 'ModelConfigError: bad', { cause: new ModelConfigError('bad') }));
    expect([wrapped.code, wrapped.causeCode]).toEqual(['PackLoadFailed', 'model-config']);
  });
});

describe('fromProtocolError rebuilds the typed error on the page', () => {
  const classes: [ErrorCode, new (...args: never[]) => WorkerError][] = [
    ['UnknownUser', UnknownUserError],
    ['PackLoadFailed', PackLoadError],
    ['PackCorrupt', PackCorruptError],
    ['BackendUnavailable', BackendUnavailableError],
    ['DeviceLost', DeviceLostError],
    ['NotReady', NotReadyError],
    ['BadRequest', BadRequestError],
    ['Internal', InternalError],
  ];
  it('gives each code its own class, with message, action and cause code exactly as sent', () => {
    for (const [code, cls] of classes) {
      for (const p of [{ code, message: `m ${code}`, action: `a ${code}` }, { code, message: 'm', action: 'a', causeCode: 'pack-truncated' }] as ProtocolError[]) {
        const e = fromProtocolError(p);
        expect([e instanceof cls, e instanceof WorkerError, e instanceof Error, e.name, e.code, e.message, e.action, e.causeCode]).toEqual([true, true, true, code, code, p.message, p.action, p.causeCode ?? null]);
        // The round trip is exact: what the banner shows is what the worker said.
        expect(toProtocolError(e)).toEqual(p);
      }
    }
  });
  it('a worker error built there and sent over comes back equal', () => {
    const sent = toProtocolError(new UnknownUserError('abc', 10));
    const back = fromProtocolError(sent);
    expect(back).toBeInstanceOf(UnknownUserError);
    expect(back.toProtocol()).toEqual(sent);
  });
});
