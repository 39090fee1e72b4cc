// GET /products/:id at a constant arrival rate, ids from the last 10% of the catalog.
//   k6 run -e BASE_URL=https://staging.example.com -e RATE=1000 scripts/k6/product.js
// Settings: lib/atelier.js (RATE, DURATION, P99_MS, MAX_PRODUCT_ID, ...).
import { makeOptions, productId, requests, send, summaryOutputs } from './lib/atelier.js';

export const options = makeOptions('product', ['product']);

export default function () {
  send([requests.product(productId())]);
}

export function handleSummary(data) {
  return summaryOutputs(data, 'product');
}
