// After signing in: signing out, the vault, and the mass password reset page of the demo
// administrator.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signIn, submit, useE2E } from '../lib/harness.js';

const e2e = useE2E('session');

test('signing out ends the session: home asks to sign in, the vault asks to sign in', async () => {
  const person = e2e.person(6);
  const page = await e2e.newPage();
  await signIn(e2e, page, person.login, person.password);
  await page.getByRole('heading', { name: `Welcome, ${person.name}` }).waitFor();
  await e2e.shot(page, 'signed-in');
  await submit(page, page.getByRole('button', { name: 'Sign out' }));
  await e2e.shot(page, 'signed-out');
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal(
    await page.getByRole('heading', { level: 1 }).innerText(),
    'Sign in to manage your password',
  );
  const cookies = await page.context().cookies();
  assert.equal(cookies.find((c) => c.name.endsWith('latchkey_session')), undefined, 'no session cookie');
  // The vault is for signed-in people: it sends this browser to the sign-in page.
  await e2e.visit(page, '/vault', 'vault-after-sign-out');
  assert.equal(new URL(page.url()).pathname, '/login');
  await page.getByLabel('User ID').waitFor();
  await page.context().close();
});

test('a signed-in person reaches their vault from home and sees what it holds', async () => {
  const person = e2e.person(7);
  const page = await e2e.newPage();
  await signIn(e2e, page, person.login, person.password);
  await page.getByRole('link', { name: 'Your vault' }).click();
  await page.waitForURL(/\/vault$/);
  await e2e.shot(page, 'vault');
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Your vault');
  const items = await page.locator('main article').count();
  if (items === 0) {
    // Demo people own no accounts on a target system, so nothing was put in their vault.
    assert.match(await page.getByRole('main').innerText(), /You have no items in the vault\./);
  } else {
    assert.ok(await page.getByRole('button', { name: 'Show the password' }).count() <= items);
  }
  assert.equal(await page.getByRole('alert').count(), 0, 'no error on the vault page');
  await page.context().close();
});

test('the demo administrator opens Mass password reset; it explains why no run can be planned', async () => {
  const admin = e2e.server.admin;
  const page = await e2e.newPage();
  await signIn(e2e, page, admin.login, admin.password, 'admin');
  await page.getByRole('heading', { name: `Welcome, ${admin.name}` }).waitFor();
  assert.equal(await page.getByRole('heading', { name: 'Administration' }).count(), 1);
  await page.getByRole('link', { name: 'Mass password reset' }).click();
  await page.waitForURL(/\/admin\/mpr$/);
  await e2e.shot(page, 'mpr');
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Mass password reset');
  for (const kind of ['Onboard', 'Reset']) {
    const card = page.getByRole('article', { name: kind });
    assert.equal(await card.count(), 1, `the ${kind} request is shown`);
    const text = await card.innerText();
    // The demo has no target system, so neither request can be planned: the page says why in
    // words and what to do, and the request cannot be picked.
    assert.match(text, /The settings do not make a valid request: .*no target systems; add one with/s);
    assert.ok(await page.locator(`#kind-${kind.toLowerCase()}`).isDisabled(), `${kind} cannot be picked`);
  }
  const body = await page.getByRole('main').innerText();
  assert.match(body, /No runs yet\./);
  assert.doesNotMatch(body, /panic|sqlx|SQLITE|stack/i, 'no internal error text');
  await page.context().close();
});

test('a person who is not an administrator gets "not found" at /admin/mpr', async () => {
  const person = e2e.person(8);
  const page = await e2e.newPage();
  await signIn(e2e, page, person.login, person.password);
  assert.equal(await page.getByRole('link', { name: 'Mass password reset' }).count(), 0);
  const res = await e2e.visit(page, '/admin/mpr', 'mpr-not-admin');
  assert.equal(res.status(), 404);
  assert.equal(await page.getByRole('heading', { name: 'Mass password reset' }).count(), 0);
  await page.context().close();
});
