// The cart at a constant arrival rate: half the iterations (CART_ADD_SHARE) add one unit of a
// real sku (POST /cart, expects 201), half read a cart (GET /cart). Sessions are the Authorization header
// `k6-<run id>-<1..1000>`; the skus come from the styles of products in the tested id range.
// Every POST writes a row on the target: run it against staging, not production.
//   k6 run -e BASE_URL=https://staging.example.com -e RATE=200 scripts/k6/cart.js
// Settings: lib/atelier.js (RATE, DURATION, P99_MS, MAX_PRODUCT_ID, ...).
import {
  CART_ADD_SHARE, makeOptions, pick, prepareCart, requests, send, summaryOutputs,
} from './lib/atelier.js';

export const options = makeOptions('cart', ['cart_get', 'cart_post']);

export function setup() {
  return prepareCart();
}

export default function (cart) {
  if (Math.random() < CART_ADD_SHARE) {
    send([requests.cartAdd(cart.runId, pick(cart.skus))]);
  } else {
    send([requests.cartRead(cart.runId)]);
  }
}

export function handleSummary(data) {
  return summaryOutputs(data, 'cart');
}
