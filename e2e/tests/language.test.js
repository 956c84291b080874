// The language switch: the links in the footer (`?LANG=`) turn the pages French or English, the
// choice sticks in this browser (cookie), and for a signed-in person it is remembered on the
// account (LASTLANG) and comes back in a browser that never chose.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passwordField, signIn, submit, useE2E } from '../lib/harness.js';

const e2e = useE2E('language');

/** The footer's language switch. */
const switcher = (page) => page.getByRole('contentinfo').getByRole('navigation');

/** The language of the page as the browser sees it: <html lang>, and the h1. */
async function shown(page) {
  return {
    lang: await page.locator('html').getAttribute('lang'),
    h1: (await page.getByRole('heading', { level: 1 }).innerText()).trim(),
  };
}

test('the switch turns the sign-in pages French, the choice sticks across pages, and English comes back', async () => {
  // (Not one of the demo people with security answers, who get a choice page first.)
  const person = e2e.person(6);
  const page = await e2e.newPage();
  await e2e.visit(page, '/login', 'login-en');
  assert.deepEqual(await shown(page), { lang: 'en', h1: 'Sign in' });
  const nav = switcher(page);
  assert.equal(await nav.getAttribute('aria-label'), 'Language');
  assert.equal(await nav.getByRole('link', { name: 'English' }).getAttribute('aria-current'), 'true');

  await nav.getByRole('link', { name: 'Français' }).click();
  await page.waitForURL(/LANG=fr/);
  await e2e.shot(page, 'login-fr');
  assert.deepEqual(await shown(page), { lang: 'fr', h1: 'Se connecter' });
  assert.equal(new URL(page.url()).pathname, '/login', 'the switch stays on the same page');
  assert.equal(await switcher(page).getAttribute('aria-label'), 'Langue');
  assert.equal(await switcher(page).getByRole('link', { name: 'Français' }).getAttribute('aria-current'), 'true');
  assert.match(await page.getByRole('main').innerText(), /Saisissez votre identifiant\./);
  assert.equal(await page.getByRole('link', { name: 'Mot de passe oublié ?' }).count(), 1);

  // Without LANG on the next pages: still French (the choice is remembered by this browser).
  await page.getByLabel('Identifiant').fill(person.login);
  await submit(page, page.getByRole('button', { name: 'Continuer' }));
  await passwordField(page).waitFor();
  await e2e.shot(page, 'password-fr');
  assert.deepEqual(await shown(page), { lang: 'fr', h1: 'Saisissez votre mot de passe' });
  await passwordField(page).fill(`${person.password}-faux`);
  await submit(page, page.getByRole('button', { name: 'Se connecter' }));
  await e2e.shot(page, 'failed-fr');
  // A message made by the server in English is shown in French.
  assert.equal((await page.getByRole('alert').innerText()).trim(), 'L’identifiant ou le mot de passe est incorrect.');
  await e2e.visit(page, '/', 'home-fr');
  assert.deepEqual(await shown(page), { lang: 'fr', h1: 'Connectez-vous pour gérer votre mot de passe' });

  // And back to English, which sticks too.
  await switcher(page).getByRole('link', { name: 'English' }).click();
  await page.waitForURL(/LANG=en/);
  await e2e.visit(page, '/login', 'login-en-again');
  assert.deepEqual(await shown(page), { lang: 'en', h1: 'Sign in' });
  await page.context().close();
});

test('a browser that asks for French (Accept-Language) gets French without choosing', async () => {
  const page = await e2e.newPage({ locale: 'fr-FR' });
  await e2e.visit(page, '/', 'accept-language-fr');
  assert.deepEqual(await shown(page), { lang: 'fr', h1: 'Connectez-vous pour gérer votre mot de passe' });
  // ?LANG= wins over the header.
  await e2e.visit(page, '/?LANG=en', 'accept-language-fr-lang-en');
  assert.equal((await shown(page)).lang, 'en');
  await page.context().close();
});

test('a signed-in person who picks French gets French again after signing in on another browser (LASTLANG)', async () => {
  const person = e2e.person(4);
  const page = await e2e.newPage();
  await signIn(e2e, page, person.login, person.password, 'lastlang');
  assert.deepEqual(await shown(page), { lang: 'en', h1: `Welcome, ${person.name}` });
  await switcher(page).getByRole('link', { name: 'Français' }).click();
  await page.waitForURL(/LANG=fr/);
  await e2e.shot(page, 'lastlang-home-fr');
  assert.deepEqual(await shown(page), { lang: 'fr', h1: `Bienvenue, ${person.name}` });
  assert.equal(await page.getByRole('link', { name: 'Changer de mot de passe' }).count(), 1);
  await page.context().close();

  // Another browser, no cookie, English pages until the person is known.
  const other = await e2e.newPage();
  await signIn(e2e, other, person.login, person.password, 'lastlang-other');
  await e2e.shot(other, 'lastlang-other-home');
  assert.deepEqual(await shown(other), { lang: 'fr', h1: `Bienvenue, ${person.name}` });
  // The account pages follow.
  await e2e.visit(other, '/account/password', 'lastlang-other-password');
  assert.deepEqual(await shown(other), { lang: 'fr', h1: 'Changez votre mot de passe' });
  await other.context().close();
});
