// Mock of k6's `k6` module for the selftest: records checks, fail() throws like k6's.
export const recorded = { checks: { passes: 0, fails: 0, failedNames: new Set() } };

export function check(value, sets) {
  let all = true;
  for (const [name, predicate] of Object.entries(sets)) {
    const ok = Boolean(predicate(value));
    if (ok) recorded.checks.passes += 1;
    else {
      recorded.checks.fails += 1;
      recorded.checks.failedNames.add(name);
    }
    all = all && ok;
  }
  return all;
}

export function fail(message) {
  throw new Error(message);
}
