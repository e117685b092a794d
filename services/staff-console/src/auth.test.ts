import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCsrf, cookieValue, csrfTokenFor, identify, isTrusted, trustedProxies } from './auth.js';

const trusted = trustedProxies(['127.0.0.2/32', '10.1.0.0/16', 'fd00::/8']);
const session = 'a'.repeat(43);

test('trusted proxies: addresses in the listed networks, IPv4 mapped into IPv6 included; nothing else', () => {
  for (const a of ['127.0.0.2', '::ffff:127.0.0.2', '10.1.200.3', 'fd00::1']) assert.ok(isTrusted(trusted, a), a);
  for (const a of ['127.0.0.1', '10.2.0.1', '::1', 'fe80::1', 'not-an-address', undefined]) assert.ok(!isTrusted(trusted, a), String(a));
  assert.ok(!isTrusted(trustedProxies([]), '127.0.0.1'), 'no list: nobody');
});

test('identify: the forwarded user only from the proxy, refused (not ignored) from anywhere else', () => {
  const cookie = `x=1; __Host-staff_session=${session}`;
  assert.deepEqual(identify({ remote: '127.0.0.2', forwardedUser: 'Alice', cookie, trusted, loginLinks: true }), { kind: 'proxy', login: 'alice' });
  const forged = identify({ remote: '127.0.0.1', forwardedUser: 'alice', cookie, trusted, loginLinks: true });
  assert.equal(forged.kind, 'refused', 'a valid session does not rescue a forged header');
  assert.equal(identify({ remote: '127.0.0.2', forwardedUser: ['a', 'b'], cookie: undefined, trusted, loginLinks: false }).kind, 'refused');
  assert.equal(identify({ remote: '127.0.0.2', forwardedUser: 'x'.repeat(40), cookie: undefined, trusted, loginLinks: false }).kind, 'refused');
  assert.deepEqual(identify({ remote: '127.0.0.1', forwardedUser: undefined, cookie, trusted, loginLinks: true }), { kind: 'session', token: session });
  assert.equal(identify({ remote: '127.0.0.1', forwardedUser: undefined, cookie, trusted, loginLinks: false }).kind, 'refused', 'links off: cookies are not looked at');
  assert.equal(identify({ remote: '127.0.0.1', forwardedUser: undefined, cookie: '__Host-staff_session=short', trusted, loginLinks: true }).kind, 'refused');
});

test('cookieValue finds one cookie by exact name', () => {
  assert.equal(cookieValue('a=1; b=2;c=3', 'b'), '2');
  assert.equal(cookieValue('ab=1', 'b'), undefined);
  assert.equal(cookieValue(undefined, 'b'), undefined);
});

test('CSRF: the token of this login and session, from the console\'s own pages only', () => {
  const token = csrfTokenFor('k'.repeat(32), 'alice', session);
  const ok = { secret: 'k'.repeat(32), login: 'alice', session, header: token, fetchSite: 'same-origin' };
  assert.equal(checkCsrf(ok), undefined);
  assert.equal(checkCsrf({ ...ok, fetchSite: undefined }), undefined, 'non-browser clients send no Sec-Fetch-Site');
  assert.match(checkCsrf({ ...ok, fetchSite: 'cross-site' }) ?? '', /cross-site/);
  assert.match(checkCsrf({ ...ok, header: undefined }) ?? '', /missing/);
  assert.match(checkCsrf({ ...ok, header: csrfTokenFor('k'.repeat(32), 'alice', 'b'.repeat(43)) }) ?? '', /wrong/, 'another session\'s token');
  assert.match(checkCsrf({ ...ok, login: 'bob' }) ?? '', /wrong/, 'another login');
  assert.match(checkCsrf({ ...ok, secret: 'z'.repeat(32) }) ?? '', /wrong/, 'another key');
});
