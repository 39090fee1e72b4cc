// GET /products/:id/styles at a constant arrival rate, ids from the last 10% of the catalog.
//   k6 run -e BASE_URL=https://staging.example.com -e RATE=1000 scripts/k6/styles.js
// Settings: lib/atelier.js (RATE, DURATION, P99_MS, MAX_PRODUCT_ID, ...).
import { makeOptions, productId, requests, send, summaryOutputs } from './lib/atelier.js';

export const options = makeOptions('styles', ['styles']);

export default function () {
  send([requests.styles(productId())]);
}

export function handleSummary(data) {
  return summaryOutputs(data, 'styles');
}
