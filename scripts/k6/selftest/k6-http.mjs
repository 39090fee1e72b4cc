// Mock of k6's `k6/http` for the selftest: records every request and answers the way the
// contract says the API does, without a network.
export const sent = [];

function answer(method, url) {
  const path = new URL(url).pathname;
  let match = /^\/products\/(\d+)\/styles$/.exec(path);
  if (match) {
    return { status: 200, body: `{"product_id":"${match[1]}","results":[{"style_id":1,"skus":{"71":{"quantity":3,"size":"XS"},"72":{"quantity":1,"size":"S"}}}]}` };
  }
  match = /^\/products\/(\d+)$/.exec(path);
  if (match) return { status: 200, body: `{"id":${match[1]},"campus":"hr-rfp","name":"x","features":[]}` };
  if (/^\/products\/\d+\/related$/.test(path)) return { status: 200, body: '[1,2,3]' };
  if (path === '/products') return { status: 200, body: '[]' };
  if (path === '/cart' && method === 'GET') return { status: 200, body: '[]' };
  if (path === '/cart' && method === 'POST') return { status: 201, body: 'Created' };
  return { status: 404, body: '{"error":"not found"}' };
}

// Product bodies carry an ETag (the path's, so a revisit can be traced to its first visit) and
// answer 304 to a matching If-None-Match, as the hosts do.
function request(method, url, body, params) {
  sent.push({ method, url, body, params: params || {} });
  const response = Object.assign({ url, headers: {} }, answer(method, url));
  const path = new URL(url).pathname;
  if (response.status === 200 && path.startsWith('/products/')) {
    response.headers.Etag = `"${path}"`;
    const headers = (params && params.headers) || {};
    if (headers['If-None-Match'] === response.headers.Etag) {
      response.status = 304;
      response.body = '';
    }
  }
  return response;
}

export default {
  request,
  get: (url, params) => request('GET', url, null, params),
  post: (url, body, params) => request('POST', url, body, params),
  batch: (list) => list.map((r) => request(r.method, r.url, r.body, r.params)),
  expectedStatuses: (...statuses) => ({ expectedStatuses: statuses }),
};
