// Property-based test of the worker's error mapping: whatever a failure throws (an Error of any
// name and message, a string, null, an object whose toString throws), the UI gets a well-formed
// ProtocolError and the mapping itself never throws. Out-of-memory maps to the recoverable code.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toProtocolError } from './errors.ts';

const CODES = ['UnknownUser', 'PackLoadFailed', 'PackCorrupt', 'BackendUnavailable', 'DeviceLost', 'NotReady', 'BadRequest', 'Internal'];

const thrown = fc.oneof(
  fc.tuple(fc.constantFrom('Error', 'TypeError', 'RangeError', 'PackFetchError', 'ModelPackCorruptError', 'TokenizerError', '', '__proto__'), fc.string({ maxLength: 40 })).map(([name, msg]) => {
    const e = new Error(msg);
    e.name = name;
    return e;
  }),
  fc.string(),
  fc.constantFrom<unknown>(null, undefined, 0, {}, [], { toString: () => { throw new Error('nope'); } }, Object.create(null)),
);

describe('toProtocolError', () => {
  it('always yields a known code and non-empty message and action', () => {
    fc.assert(
      fc.property(thrown, (e) => {
        let p;
        try {
          p = toProtocolError(e, 'beauty');
        } catch (err) {
          // String(obj) of a hostile object may throw: the mapping must not.
          throw new Error(`toProtocolError threw ${(err as Error).message}`, { cause: err });
        }
        expect(CODES).toContain(p.code);
        expect(p.message.length).toBeGreaterThan(0);
        expect(p.action.length).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });
  it('out-of-memory errors from any backend map to the recoverable DeviceLost code', () => {
    for (const m of ['Failed to allocate buffer of size 268435456: out of memory', 'Array buffer allocation failed', 'WebAssembly.Memory.grow(): Maximum memory size exceeded', 'GL_OUT_OF_MEMORY (OOM)']) {
      const p = toProtocolError(new Error(m));
      expect(p.code).toBe('DeviceLost');
      expect(p.message).toContain('ran out of memory');
    }
  });
});
