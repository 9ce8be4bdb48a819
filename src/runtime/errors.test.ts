import { describe, expect, it } from 'vitest';
import { PackFetchError } from './fetch-progress.ts';
import { DeviceLostError, toProtocolError, UnknownUserError } from './errors.ts';

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
  it('recognises pack errors from the model layer by class name, and lost devices by message', () => {
    class ModelPackCorruptError extends Error {
      override name = 'ModelPackCorruptError';
    }
    expect(toProtocolError(new ModelPackCorruptError('weights.bin: bad sha')).code).toBe('PackCorrupt');
    expect(toProtocolError(new Error('GPUDevice was lost: destroyed')).code).toBe('DeviceLost');
    expect(toProtocolError('boom').code).toBe('Internal');
    class ModelPackInvalidManifestError extends Error {
      override name = 'ModelPackInvalidManifestError';
    }
    const missing = toProtocolError(new ModelPackInvalidManifestError(`it is not valid JSON (Unexpected token '<', "<!doctype "...)`), 'beauty');
    expect(missing.code).toBe('PackLoadFailed');
    expect(missing.message).toContain('not on this server');
  });
});
