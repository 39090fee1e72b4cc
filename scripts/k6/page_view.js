// A product page view at a constant arrival rate: RATE is page views per second. Each view asks
// in parallel (as the browser does) for the product, its styles and its related ids, reads the
// cart in 20% of views, and adds to the cart in 5% of views after the page has loaded:
// about 3.25 requests per view, so RATE=2000 is about 6,500 requests/s. Requests carry the
// browsers' Accept-Encoding (IDENTITY=1 for none), and REVISIT_SHARE (default 15%) of the views
// come back to a page this VU saw before, with If-None-Match, expecting 304s.
//   k6 run -e BASE_URL=https://staging.example.com -e RATE=2000 scripts/k6/page_view.js
// Settings: lib/atelier.js (RATE, DURATION, P99_MS, MAX_PRODUCT_ID, ...).
import {
  PAGE_VIEW_CART_ADD, PAGE_VIEW_CART_READ, PAGE_VIEW_REVISIT, makeOptions, pick, prepareCart,
  productId, requests, revisitRequests, send, summaryOutputs,
} from './lib/atelier.js';

// Pages this VU saw, with their three ETags: what a revisit comes back to.
const seen = [];
const SEEN_MAX = 50;

export const options = makeOptions('page_view',
  ['product', 'styles', 'related', 'cart_get', 'cart_post']);

export function setup() {
  return prepareCart();
}

export default function (cart) {
  const revisit = seen.length > 0 && Math.random() < PAGE_VIEW_REVISIT;
  const id = revisit ? 0 : productId();
  const page = revisit ? revisitRequests(pick(seen))
    : [requests.product(id), requests.styles(id), requests.related(id)];
  if (Math.random() < PAGE_VIEW_CART_READ) page.push(requests.cartRead(cart.runId));
  const responses = send(page);
  if (!revisit) {
    const etags = responses.slice(0, 3).map((r) => (r.headers && r.headers.Etag) || '');
    if (etags.every((tag) => tag !== '')) {
      if (seen.length >= SEEN_MAX) seen.splice(randomIndex(seen.length), 1);
      seen.push({ id, etags });
    }
  }
  if (Math.random() < PAGE_VIEW_CART_ADD) send([requests.cartAdd(cart.runId, pick(cart.skus))]);
}

function randomIndex(n) {
  return Math.floor(Math.random() * n);
}

export function handleSummary(data) {
  return summaryOutputs(data, 'page_view');
}
