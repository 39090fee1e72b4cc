// GET /products?page=P&count=5 (the list) at a constant arrival rate; pages that cover the last
// 10% of the catalog.
//   k6 run -e BASE_URL=https://staging.example.com -e RATE=500 scripts/k6/products.js
// Settings: lib/atelier.js (RATE, DURATION, P99_MS, MAX_PRODUCT_ID, ...).
import { makeOptions, requests, send, summaryOutputs } from './lib/atelier.js';

export const options = makeOptions('products', ['products']);

export default function () {
  send([requests.productsPage()]);
}

export function handleSummary(data) {
  return summaryOutputs(data, 'products');
}
