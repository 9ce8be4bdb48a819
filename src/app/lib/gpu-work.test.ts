import { describe, expect, it } from 'vitest';
import { describeCounts, describePerStep } from './gpu-work.ts';

const counts = (dispatches: number, readbacks: number) => ({ dispatches, uploads: 1, uploadBytes: 4, uniformWrites: dispatches, readbacks, readbackBytes: 8 });

describe('GPU work line', () => {
  it('names every count, singular where it is one', () => {
    expect(describeCounts(counts(1234, 1))).toBe('1,234 dispatches · 1 upload · 1,234 uniform writes · 1 readback');
  });

  it('averages the decoding loop over its steps, and says nothing without steps', () => {
    expect(describePerStep({ total: counts(300, 4), decoding: counts(122, 2), steps: 2 })).toBe('2 decoder steps, 61 dispatches and 1 readback per step');
    expect(describePerStep({ total: counts(300, 4), decoding: counts(100, 3), steps: 3 })).toBe('3 decoder steps, 33.3 dispatches and 1 readback per step');
    expect(describePerStep({ total: counts(300, 4), decoding: counts(100, 3), steps: 0 })).toBeNull();
  });
});
