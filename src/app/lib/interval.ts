// How far a metric measured on a sample of test users can be trusted, and how many users fit in
// about a minute. Pure.

/**
 * Wilson score interval at 95% for the mean of per-user values in [0, 1] over n users. Exact in
 * spirit for hit rates (each user 0 or 1); for NDCG, BLEU and ROUGE (also in [0, 1] per user) it
 * uses the largest variance such a mean can have, m(1 - m), so the interval is conservative.
 */
export function wilson95(mean: number, n: number): [number, number] {
  if (!(n > 0)) return [0, 1];
  const p = Math.min(1, Math.max(0, mean));
  const z = 1.959964;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Below this many users the page warns that the intervals are wide. */
export const FEW_USERS = 500;

/**
 * How many test users an evaluation can cover in about `seconds` at `msPerUser`, rounded to a
 * readable number (tens, then fifties), at least 10 and at most `numUsers`.
 */
export function usersForSeconds(msPerUser: number, numUsers: number, seconds = 60): number {
  if (!(msPerUser > 0) || !(numUsers > 0)) return Math.min(100, Math.max(1, numUsers));
  const raw = (seconds * 1000) / msPerUser;
  const rounded = raw < 100 ? Math.floor(raw / 10) * 10 : Math.floor(raw / 50) * 50;
  return Math.max(1, Math.min(numUsers, Math.max(10, rounded)));
}
