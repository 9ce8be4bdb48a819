// The e2e tests' backend-choice switches are read from the URL only in their exact form, and the
// budget only together with adapterAsHardware.
import { describe, expect, it } from 'vitest';
import { parseBackendTestHooks } from './backend-test-hooks.ts';

describe('parseBackendTestHooks', () => {
  it('adapterAsHardware=1 turns them on; the budget is an integer up to 60 s', () => {
    expect(parseBackendTestHooks('?adapterAsHardware=1')).toEqual({ adapterAsHardware: true });
    expect(parseBackendTestHooks('?uid=12&adapterAsHardware=1&probeBudgetMs=0')).toEqual({ adapterAsHardware: true, probeBudgetMs: 0 });
    expect(parseBackendTestHooks('?adapterAsHardware=1&probeBudgetMs=60000')).toEqual({ adapterAsHardware: true, probeBudgetMs: 60000 });
    for (const bad of ['-1', '1.5', '60001', 'x', ''])
      expect(parseBackendTestHooks(`?adapterAsHardware=1&probeBudgetMs=${bad}`)).toEqual({ adapterAsHardware: true });
  });

  it('anything else leaves the choice alone', () => {
    for (const search of ['', '?uid=12', '?adapterAsHardware=true', '?adapterAsHardware=0', '?probeBudgetMs=0']) expect(parseBackendTestHooks(search)).toBeUndefined();
  });
});
