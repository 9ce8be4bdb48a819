// The app state as one creator: every slice, combined. index.ts wraps it in the persistence
// middleware; tests build a store from it directly (with a fake worker engine).
import { evalSlice } from './evaluate.ts';
import { profilesSlice } from './profiles.ts';
import { resultsSlice } from './results.ts';
import { sessionSlice, type SessionDeps } from './session.ts';
import type { AppState, Slice } from './types.ts';
import { uiSlice } from './ui.ts';
import { userSlice } from './user.ts';
import { whatIfSlice } from './whatif.ts';

export function appState(deps: SessionDeps): Slice<AppState> {
  return (...a) => ({
    ...sessionSlice(deps)(...a),
    ...userSlice(...a),
    ...whatIfSlice(...a),
    ...resultsSlice(...a),
    ...profilesSlice(...a),
    ...evalSlice(...a),
    ...uiSlice(...a),
  });
}
