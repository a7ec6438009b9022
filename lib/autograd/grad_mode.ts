// Whether operations record the tape. Off inside noGrad(): inference allocates nothing for
// backward.
let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

function withMode<R>(mode: boolean, fn: () => R): R {
  const prev = enabled;
  enabled = mode;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/** Runs fn without recording gradients. */
export function noGrad<R>(fn: () => R): R {
  return withMode(false, fn);
}

/** Runs fn with gradient recording on (inside an outer noGrad). */
export function enableGrad<R>(fn: () => R): R {
  return withMode(true, fn);
}
