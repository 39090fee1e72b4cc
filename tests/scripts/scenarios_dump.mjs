// Run by tests/scripts/scenarios_check with node: prints, as one JSON object, what
// scripts/k6/lib/atelier.js gives the k6 scripts (the same keys as scenarios_dump.lua's
// constants). k6's modules are the selftest's mocks (scripts/k6/selftest/loader.mjs).
import { register } from 'node:module';
import { readdirSync } from 'node:fs';
import '../../scripts/k6/selftest/open.mjs';

globalThis.__ENV = { MAX_PRODUCT_ID: '1000011' };
register('../../scripts/k6/selftest/loader.mjs', import.meta.url);
const lib = await import('../../scripts/k6/lib/atelier.js');
const session = lib.requests.cartRead('run').params.headers.Authorization;
console.log(JSON.stringify({
  // One k6 script per scenario: scripts/k6/NAME.js.
  names: readdirSync(new URL('../../scripts/k6/', import.meta.url))
    .filter((file) => file.endsWith('.js')).map((file) => file.slice(0, -3)),
  cold_range_low: lib.coldRange.low,
  cart_read: lib.PAGE_VIEW_CART_READ,
  cart_add: lib.PAGE_VIEW_CART_ADD,
  revisit: lib.PAGE_VIEW_REVISIT,
  browser_accept_encoding: lib.settings.acceptEncoding,
  list_page_size: lib.LIST_PAGE_SIZE,
  cart_add_share: lib.CART_ADD_SHARE,
  session_digits: session.length - 'k6-run-'.length,
}));
