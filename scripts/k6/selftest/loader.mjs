// Node module hook for the selftest: resolves k6's built-in modules to the mocks next to this
// file, so that the k6 scripts can be imported by node unchanged.
const MOCKS = {
  k6: 'k6.mjs',
  'k6/http': 'k6-http.mjs',
};

export async function resolve(specifier, context, nextResolve) {
  if (Object.prototype.hasOwnProperty.call(MOCKS, specifier)) {
    return { url: new URL(MOCKS[specifier], import.meta.url).href, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
