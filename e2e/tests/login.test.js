// Signing in through the two-phase flow (user ID page, then password page), as a person does
// it in Chromium: with the mouse, with the keyboard only, with a wrong password or an unknown
// user ID, and on a 320 px wide phone screen.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passwordField, signIn, submit, useE2E } from '../lib/harness.js';

const e2e = useE2E('login');

/** The message of every failed sign-in, known user or not. */
const GENERIC = 'The user ID or password is not correct.';

test('a demo user signs in with user ID then password and lands on the home page', async () => {
  const alice = e2e.person(1);
  const page = await e2e.newPage();
  await e2e.visit(page, '/', 'signed-out-home');
  await page.getByRole('main').getByRole('link', { name: 'Sign in' }).click();
  await page.waitForURL(/\/login/);
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Sign in');
  await signIn(e2e, page, alice.login, alice.password);
  await e2e.shot(page, 'home');
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), `Welcome, ${alice.name}`);
  assert.match(await page.getByRole('main').innerText(), new RegExp(`signed in as ${alice.login}`));
  await page.context().close();
});

test('the password page names the user ID typed on the first page', async () => {
  const bilal = e2e.person(2);
  const page = await e2e.newPage();
  await e2e.visit(page, '/login', 'user-id');
  await page.getByLabel('User ID').fill(bilal.login);
  await submit(page, page.getByRole('button', { name: 'Continue' }));
  await passwordField(page).waitFor();
  await e2e.shot(page, 'password-page');
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Enter your password');
  assert.match(await page.getByRole('main').innerText(), new RegExp(`Signing in as ${bilal.login}`));
  // The field is labelled, and typing in it shows dots.
  assert.equal(await page.getByLabel('Password').getAttribute('type'), 'password');
  await page.context().close();
});

test('a wrong password shows the generic message, and signing in again works', async () => {
  const person = e2e.person(3);
  const page = await e2e.newPage();
  await signIn(e2e, page, person.login, `${person.password}-wrong`, 'wrong-password');
  await e2e.shot(page, 'wrong-password-result');
  const alert = page.getByRole('alert');
  assert.equal((await alert.innerText()).trim(), GENERIC);
  assert.equal(await page.getByRole('heading', { name: `Welcome, ${person.name}` }).count(), 0);
  // The page is still usable: the same tab signs in with the right password.
  await signIn(e2e, page, person.login, person.password, 'after-wrong-password');
  await e2e.shot(page, 'after-wrong-password-home');
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), `Welcome, ${person.name}`);
  await page.context().close();
});

test('an unknown user ID gets the same password page and the same message', async () => {
  const page = await e2e.newPage();
  // The flow asks for a password whether or not the user exists, so nothing is revealed.
  await signIn(e2e, page, 'nobody.at-all', 'Some-Pass-word-1', 'unknown-user');
  await e2e.shot(page, 'unknown-user-result');
  assert.equal((await page.getByRole('alert').innerText()).trim(), GENERIC);
  await page.context().close();
});

test('keyboard only: Tab to the sign-in link, type, Enter, type, Enter', async () => {
  const person = e2e.person(4);
  const page = await e2e.newPage();
  await e2e.visit(page, '/', 'keyboard-home');
  // Tab until the "Sign in" link has the focus (a handful of stops at most).
  let reached = false;
  for (let i = 0; i < 10 && !reached; i += 1) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(
      () => document.activeElement?.tagName === 'A' && document.activeElement.textContent.trim() === 'Sign in',
    );
  }
  assert.ok(reached, 'the Sign in link is reachable with Tab');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/login/);
  await page.getByLabel('User ID').waitFor();
  await e2e.shot(page, 'keyboard-user-id');
  // The first field has the focus on arrival; Tab onwards from the top of the page otherwise.
  const focusTo = async (id) => {
    for (let i = 0; i < 10; i += 1) {
      if (await page.evaluate((want) => document.activeElement?.id === want, id)) return;
      await page.keyboard.press('Tab');
    }
    assert.fail(`#${id} is reachable with Tab`);
  };
  await focusTo('f-user');
  await page.keyboard.type(person.login);
  await page.keyboard.press('Enter');
  await passwordField(page).waitFor();
  await e2e.shot(page, 'keyboard-password');
  await focusTo('f-password');
  await page.keyboard.type(person.password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: `Welcome, ${person.name}` }).waitFor();
  await e2e.shot(page, 'keyboard-signed-in');
  await page.context().close();
});

test('at 320 px wide nothing overflows horizontally on the sign-in pages and home', async () => {
  const person = e2e.person(5);
  const page = await e2e.newPage({ viewport: { width: 320, height: 640 } });
  const width = async (label) => {
    await e2e.shot(page, `narrow-${label}`);
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scroll <= 320, `${label}: the page is ${scroll} px wide at a 320 px viewport`);
  };
  await page.goto('/');
  await width('signed-out-home');
  await page.goto('/login');
  await width('user-id');
  await page.getByLabel('User ID').fill(person.login);
  await submit(page, page.getByRole('button', { name: 'Continue' }));
  await passwordField(page).waitFor();
  await width('password');
  await passwordField(page).fill('not-the-password');
  await submit(page, page.getByRole('button', { name: 'Sign in' }));
  await page.getByRole('alert').waitFor();
  await width('failed');
  await signIn(e2e, page, person.login, person.password, 'narrow');
  await page.getByRole('heading', { name: `Welcome, ${person.name}` }).waitFor();
  await width('signed-in-home');
  await page.goto('/vault');
  await width('vault');
  await page.context().close();
});
