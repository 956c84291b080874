// What the browser is told to enforce: security headers on the pages, and cookies that only
// this origin can set or read, never readable by page scripts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signIn, useE2E } from '../lib/harness.js';

const e2e = useE2E('security');

test('pages carry a Content-Security-Policy, Referrer-Policy and the other security headers', async () => {
  const page = await e2e.newPage();
  for (const [url, label] of [['/', 'home'], ['/login', 'login'], ['/no-such-page', 'not-found']]) {
    const res = await e2e.visit(page, url, label);
    const h = await res.allHeaders();
    const csp = h['content-security-policy'] ?? '';
    for (const directive of ["default-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "object-src 'none'"]) {
      assert.ok(csp.includes(directive), `${url}: CSP has ${directive} (got "${csp}")`);
    }
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, `${url}: no unsafe CSP sources`);
    assert.ok(h['referrer-policy'], `${url}: Referrer-Policy is set`);
    assert.equal(h['x-content-type-options'], 'nosniff', url);
    assert.equal(h['x-frame-options'], 'DENY', url);
    assert.match(h['cache-control'] ?? '', /no-store/, url);
  }
  await page.context().close();
});

test('the pages break no rule of their own CSP (no violation reported by Chromium)', async () => {
  const person = e2e.person(9);
  const page = await e2e.newPage();
  const violations = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.exposeFunction('__cspViolation', (v) => violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolation(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await signIn(e2e, page, person.login, person.password, 'csp');
  await e2e.visit(page, '/vault', 'csp-vault');
  assert.deepEqual(violations, []);
  await page.context().close();
});

test('cookies are __Host- prefixed, HttpOnly, Secure, SameSite=Lax and path /', async () => {
  const person = e2e.person(10);
  const page = await e2e.newPage();
  await signIn(e2e, page, person.login, person.password, 'cookies');
  await page.getByRole('heading', { name: `Welcome, ${person.name}` }).waitFor();
  await e2e.shot(page, 'cookies-signed-in');
  const cookies = await page.context().cookies();
  const names = cookies.map((c) => c.name);
  assert.ok(names.includes('__Host-latchkey_session'), `a session cookie is set (got ${names.join(', ')})`);
  for (const c of cookies) {
    assert.ok(c.name.startsWith('__Host-'), `${c.name} has the __Host- prefix`);
    assert.equal(c.httpOnly, true, `${c.name} is HttpOnly`);
    assert.equal(c.secure, true, `${c.name} is Secure`);
    assert.equal(c.sameSite, 'Lax', `${c.name} is SameSite=Lax`);
    assert.equal(c.path, '/', `${c.name} has path /`);
    assert.equal(c.domain, '127.0.0.1', `${c.name} is host-only`);
  }
  // HttpOnly in practice: page scripts see none of them.
  assert.equal(await page.evaluate(() => document.cookie), '');
  await page.context().close();
});
