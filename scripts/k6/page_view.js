// A product page view at a constant arrival rate: RATE is page views per second. Each view asks
// in parallel (as the browser does) for the product, its styles and its related ids, reads the
// cart in 20% of views, and adds to the cart in 5% of views after the page has loaded:
// about 3.25 requests per view, so RATE=2000 is about 6,500 requests/s.
//   k6 run -e BASE_URL=https://staging.example.com -e RATE=2000 scripts/k6/page_view.js
// Settings: lib/atelier.js (RATE, DURATION, P99_MS, MAX_PRODUCT_ID, ...).
import {
  PAGE_VIEW_CART_ADD, PAGE_VIEW_CART_READ, makeOptions, pick, prepareCart, productId, requests,
  send, summaryOutputs,
} from './lib/atelier.js';

export const options = makeOptions('page_view',
  ['product', 'styles', 'related', 'cart_get', 'cart_post']);

export function setup() {
  return prepareCart();
}

export default function (cart) {
  const id = productId();
  const page = [requests.product(id), requests.styles(id), requests.related(id)];
  if (Math.random() < PAGE_VIEW_CART_READ) page.push(requests.cartRead(cart.runId));
  send(page);
  if (Math.random() < PAGE_VIEW_CART_ADD) send([requests.cartAdd(cart.runId, pick(cart.skus))]);
}

export function handleSummary(data) {
  return summaryOutputs(data, 'page_view');
}
