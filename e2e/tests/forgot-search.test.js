// The forgotten-password pages beyond the default English user-ID form: a search form set up
// with `latchkey settings` (FORGOTTEN_PASSWORD/SEARCH_FIELDS, then SEARCH_FILTER) whose values
// cannot widen the filter (`*`, `)(`), and every step of /forgot in French. Mail goes to the
// demo's outbox.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passwordField, submit, useE2E } from '../lib/harness.js';
import { enterCode, newPassword, trySignIn } from '../lib/flows.js';
import { codeIn, readOutbox, waitForOutbox } from '../lib/mail.js';

const e2e = useE2E('forgot-search');

const NS = 'FORGOTTEN_PASSWORD';
const h1 = async (page) => (await page.getByRole('heading', { level: 1 }).innerText()).trim();
const main = async (page) => (await page.getByRole('main').innerText()).trim();

/** Fills the search form's "Email address" with `value`, submits; resolves to the page's text. */
async function search(page, value, label) {
  await e2e.visit(page, '/forgot', `${label}-form`);
  assert.equal(await h1(page), 'Reset your password');
  await page.getByLabel('Email address').fill(value);
  await submit(page, page.getByRole('button', { name: 'Continue' }));
  await page.getByLabel('Code').waitFor();
  await e2e.shot(page, `${label}-after`);
  return main(page);
}

test('search form (SEARCH_FIELDS mail, SEARCH_FILTER (mail=%mail%)): an exact address finds the person; * and )( find nobody', async () => {
  const person = e2e.person(7);
  const address = `${person.login}@example.org`;
  // The fields first (one setting at a time; the form is used once the filter is set).
  await e2e.server.cli(['settings', 'set', NS, 'SEARCH_FIELDS', 'mail required Email address']);
  try {
    // Fields without a filter: still the user-ID form.
    const page = await e2e.newPage();
    await e2e.visit(page, '/forgot', 'search-fields-only');
    assert.equal(await page.getByLabel('User ID').count(), 1, 'fields alone do not change the form');
    assert.equal(await page.getByLabel('Email address').count(), 0);

    await e2e.server.cli(['settings', 'set', NS, 'SEARCH_FILTER', '(mail=%mail%)']);
    await e2e.visit(page, '/forgot', 'search-form');
    assert.equal(await h1(page), 'Reset your password');
    assert.match(await main(page), /Fill in the form\. If it matches an account, we send a one-time code to its email address\./);
    const field = page.getByLabel('Email address');
    assert.equal(await field.count(), 1, 'the configured field is on the page');
    assert.equal(await field.getAttribute('name'), 'mail');
    assert.equal(await field.getAttribute('required'), '', 'a required field');
    assert.equal(await page.getByLabel('User ID').count(), 0, 'no user ID field');

    // An exact address: found, a code is mailed to that person, and it verifies them.
    let seen = (await readOutbox(e2e.server.dir)).length;
    const foundText = await search(page, address, 'search-exact');
    const mail = await waitForOutbox(e2e.server.dir, (m) => m.to === address, { skip: seen });
    assert.equal(mail.subject, 'Your verification code');
    await enterCode(e2e, page, codeIn(mail.body_text), 'search-exact');
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await e2e.shot(page, 'search-exact-verified');
    assert.match(await main(page), new RegExp(`You proved who you are for ${person.login}\\b`));
    await page.context().close();

    // Nobody has this address: the page every failed search gets.
    const probe = await e2e.newPage();
    seen = (await readOutbox(e2e.server.dir)).length;
    const unknownText = await search(probe, 'nobody.at.all@example.org', 'search-unknown');
    assert.equal(unknownText, foundText, 'a found and an unknown person get the same page');

    // Values that would widen the filter if they were not escaped; each could match exactly
    // one person (or everyone) if it reached the filter as filter syntax.
    const tricks = [
      ['star', '*'],
      ['prefix-star', `${person.login}@*`],
      ['suffix-star', `*${address.slice(3)}`],
      ['close-open', `${address})(mail=*`],
      ['or', `x)(|(mail=${address})`],
      ['paren-star', `*)(uid=${person.login}`],
    ];
    for (const [label, value] of tricks) {
      const text = await search(probe, value, `search-${label}`);
      assert.equal(text, unknownText, `${JSON.stringify(value)}: the same page as an unknown person`);
      // And the "code" page leads nowhere: no code was sent to anyone.
      assert.equal(await passwordField(probe).count(), 0);
    }
    await new Promise((r) => setTimeout(r, 1500));
    const sent = (await readOutbox(e2e.server.dir)).slice(seen);
    assert.deepEqual(sent.map((m) => m.to), [], 'no search after the exact one mailed anybody');
    // A made-up code on a decoy flow fails like a wrong one.
    await enterCode(e2e, probe, '123456', 'search-decoy-code');
    assert.equal(
      (await probe.getByRole('alert').innerText()).trim(),
      'We could not verify you with that code. Please start again.',
    );
    await probe.context().close();
  } finally {
    // The filter first: a filter without its fields is refused.
    await e2e.server.cli(['settings', 'unset', NS, 'SEARCH_FILTER']);
    await e2e.server.cli(['settings', 'unset', NS, 'SEARCH_FIELDS']);
  }
  // Back to the user-ID form.
  const after = await e2e.newPage();
  await e2e.visit(after, '/forgot', 'search-restored');
  assert.equal(await after.getByLabel('User ID').count(), 1);
  await after.context().close();
});

/** Words of the English pages that have no place on a French one. */
const ENGLISH = /\b(the|your|you|and|Continue|Send|Enter|password|Back|Reset|Sign)\b/;

/** The page is French: <html lang="fr">, the heading, and no English in the main text. */
async function french(page, label, heading) {
  await e2e.shot(page, label);
  assert.equal(await page.locator('html').getAttribute('lang'), 'fr', `${label}: <html lang>`);
  assert.equal(await h1(page), heading, `${label}: heading`);
  const text = await main(page);
  assert.doesNotMatch(text, ENGLISH, `${label}: English on the French page:\n${text}`);
  return text;
}

test('every step of /forgot in French: user ID, code, new password, done', async () => {
  const person = e2e.person(8);
  const address = `${person.login}@example.org`;
  const page = await e2e.newPage();
  await e2e.visit(page, '/login', 'fr-login');
  await page.getByRole('contentinfo').getByRole('link', { name: 'Français' }).click();
  await page.waitForURL(/LANG=fr/);
  await page.getByRole('link', { name: 'Mot de passe oublié ?' }).click();
  await page.waitForURL(/\/forgot$/);

  const userText = await french(page, 'fr-user-id', 'Réinitialiser votre mot de passe');
  assert.match(userText, /Saisissez votre identifiant\. S’il correspond à un compte, nous envoyons un code à usage unique à son adresse e-mail\./);
  assert.equal(await page.getByRole('button', { name: 'Continuer' }).count(), 1);
  assert.equal(await page.getByRole('link', { name: 'Retour à la connexion' }).count(), 1);
  const seen = (await readOutbox(e2e.server.dir)).length;
  await page.getByLabel('Identifiant').fill(person.login);
  await submit(page, page.getByRole('button', { name: 'Continuer' }));

  // The code page.
  await page.getByLabel('Code').waitFor();
  const codeText = await french(page, 'fr-code', 'Réinitialiser votre mot de passe');
  assert.match(codeText, /Si l’identifiant saisi correspond à un compte doté d’une adresse e-mail, nous y avons envoyé un code à usage unique\. Saisissez-le pour choisir un nouveau mot de passe\./);
  assert.equal(await page.getByRole('button', { name: 'Continuer' }).count(), 1);
  assert.equal(await page.getByRole('button', { name: 'Envoyer un nouveau code' }).count(), 1);
  assert.equal(await page.getByRole('link', { name: 'Retour à la connexion' }).count(), 1);
  const mail = await waitForOutbox(e2e.server.dir, (m) => m.to === address, { skip: seen });

  // "Send a new code" at once: refused in French, on the same French page.
  await submit(page, page.getByRole('button', { name: 'Envoyer un nouveau code' }));
  await page.getByLabel('Code').waitFor();
  await french(page, 'fr-code-resend', 'Réinitialiser votre mot de passe');

  await page.getByLabel('Code').fill(codeIn(mail.body_text));
  await submit(page, page.getByRole('button', { name: 'Continuer' }));

  // The new password page.
  await page.getByLabel('Nouveau mot de passe', { exact: true }).waitFor();
  const newText = await french(page, 'fr-new-password', 'Choisir un nouveau mot de passe');
  assert.match(newText, new RegExp(`Vous avez prouvé votre identité pour ${person.login}`));
  assert.equal(await page.getByRole('button', { name: 'Enregistrer le nouveau mot de passe' }).count(), 1);
  const fresh = newPassword('fr');
  await page.getByLabel('Nouveau mot de passe', { exact: true }).fill(fresh);
  await page.getByLabel('Nouveau mot de passe (confirmation)').fill(fresh);
  await submit(page, page.getByRole('button', { name: 'Enregistrer le nouveau mot de passe' }));

  // Done.
  const doneText = await french(page, 'fr-done', 'Votre mot de passe a été réinitialisé');
  assert.match(doneText, /Connectez-vous avec votre nouveau mot de passe\./);
  assert.equal(await page.getByRole('link', { name: 'Se connecter' }).count(), 1);
  await page.context().close();

  const now = await trySignIn(e2e, person.login, fresh, 'fr-new-password-works');
  assert.equal(now.heading, `Welcome, ${person.name}`);
});
