// What a signed-in person changes on their own account: the password (current password
// required), security answers (then used to sign in), and an authenticator app (then used to
// sign in, through a chain that asks for it, added with `latchkey authcfg`: no shipped chain
// asks for TOTP).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passwordField, signIn, submit, useE2E } from '../lib/harness.js';
import { exportAuthcfg, importAuthcfg, newPassword, trySignIn } from '../lib/flows.js';
import { readOutbox, waitForOutbox } from '../lib/mail.js';
import { stepAt, totpCode } from '../lib/totp.js';

const e2e = useE2E('account');

const GENERIC = 'The user ID or password is not correct.';
const WRONG_CURRENT = 'Your current password was not accepted. Check it and try again; after several wrong attempts your account is locked.';

/** Fills and submits the change-password form. */
async function changePassword(page, current, fresh, again = fresh) {
  await page.getByLabel('Current password').fill(current);
  await page.getByLabel('New password', { exact: true }).fill(fresh);
  await page.getByLabel('New password again').fill(again);
  await submit(page, page.getByRole('button', { name: 'Change password' }));
}

test('change password: the current password is required, a wrong one is refused in words, the new one works', async () => {
  const person = e2e.person(2);
  const page = await e2e.newPage();
  await signIn(e2e, page, person.login, person.password, 'change');
  await page.getByRole('link', { name: 'Change password' }).click();
  await page.waitForURL(/\/account\/password$/);
  await e2e.shot(page, 'change-form');
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Change your password');
  // The rules are shown next to the field, and tied to it.
  assert.match(await page.locator('#new').getAttribute('aria-describedby'), /new-rules/);
  assert.match(await page.locator('#new-rules').innerText(), /At least 8 characters/);

  const fresh = newPassword('change');
  // A wrong current password: refused, said next to the field, nothing changed.
  await changePassword(page, `${person.password}-not`, fresh);
  await e2e.shot(page, 'change-wrong-current');
  assert.equal(
    (await page.getByRole('alert').innerText()).trim(),
    'Your password was not changed: see the marked fields below.',
  );
  const current = page.getByLabel('Current password');
  assert.equal(await current.getAttribute('aria-invalid'), 'true');
  assert.equal(await current.getAttribute('aria-describedby'), 'current-error');
  assert.equal((await page.locator('#current-error').innerText()).trim(), WRONG_CURRENT);

  // A common password is refused by the policy, with the broken rule listed at the field.
  await changePassword(page, person.password, 'password123');
  await e2e.shot(page, 'change-common-password');
  assert.equal(await page.getByLabel('New password', { exact: true }).getAttribute('aria-invalid'), 'true');
  assert.ok((await page.locator('#new-errors li').count()) >= 1, 'the broken rules are listed');

  // The two new passwords differ: refused at the second field.
  await changePassword(page, person.password, fresh, `${fresh}x`);
  assert.equal(await page.getByLabel('New password again').getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('#confirm-error').innerText(), /not the same/);

  const seen = (await readOutbox(e2e.server.dir)).length;
  await changePassword(page, person.password, fresh);
  await e2e.shot(page, 'change-done');
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Your password was changed');
  const notice = await waitForOutbox(
    e2e.server.dir,
    (m) => m.to === `${person.login}@example.org` && m.subject === 'Your password was changed',
    { skip: seen },
  );
  assert.match(notice.body_text, new RegExp(`\\(${person.login}\\) was changed`));
  await page.context().close();

  assert.equal((await trySignIn(e2e, person.login, person.password, 'change-old')).alert, GENERIC);
  assert.equal((await trySignIn(e2e, person.login, fresh, 'change-new')).heading, `Welcome, ${person.name}`);
});

test('change password without signing in sends the browser to sign in', async () => {
  const page = await e2e.newPage();
  await e2e.visit(page, '/account/password', 'change-signed-out');
  assert.equal(new URL(page.url()).pathname, '/login');
  await page.context().close();
});

test('security questions: enrol on the account page, then sign in by answering them (a wrong answer fails)', async () => {
  const person = e2e.person(5);
  const page = await e2e.newPage();
  await signIn(e2e, page, person.login, person.password, 'questions');
  await page.getByRole('link', { name: 'Security questions' }).click();
  await page.waitForURL(/\/account\/questions/);
  await e2e.shot(page, 'questions-form');
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Security questions');

  // The shipped set asks for a number of answers among its questions ("Answer 3 to 6 of these.").
  const set = page.locator('fieldset').first();
  const rule = await set.locator('p.muted').innerText();
  const need = Number(/Answer (\d+)(?: to \d+)? of these/.exec(rule)?.[1]);
  assert.ok(need >= 1, `the set says how many answers it needs (${rule})`);
  const fields = set.locator('input[type=text]');
  assert.ok((await fields.count()) > need, 'more questions than answers needed');

  // The same answer everywhere is refused, nothing is saved.
  for (let i = 0; i < need; i += 1) await fields.nth(i).fill('Same answer');
  await submit(page, page.getByRole('button', { name: 'Save my answers' }));
  await e2e.shot(page, 'questions-refused');
  assert.match(await page.getByRole('alert').first().innerText(), /Some answers need changing/);

  // Distinct answers, remembered by question text (the field's label).
  const answers = new Map();
  const refilled = page.locator('fieldset').first().locator('input[type=text]');
  for (let i = 0; i < need; i += 1) {
    const field = refilled.nth(i);
    const id = await field.getAttribute('id');
    const question = (await page.locator(`label[for="${id}"]`).innerText()).trim();
    const answer = `Answer ${i + 1} for ${person.login.split('.')[0]}`;
    await field.fill(answer);
    answers.set(question, answer);
  }
  await submit(page, page.getByRole('button', { name: 'Save my answers' }));
  await e2e.shot(page, 'questions-saved');
  assert.equal(await page.getByRole('alert').count(), 0, 'no problem reported');
  await page.goto('/account/questions');
  assert.match(await page.getByRole('main').innerText(), /Your security answers are set up/);
  await page.context().close();

  /** Signs in choosing "Security questions"; answers with `answerFor(question)`. */
  const viaQuestions = async (label, answerFor) => {
    const p = await e2e.newPage();
    await e2e.visit(p, '/login', `${label}-user-id`);
    await p.getByLabel('User ID').fill(person.login);
    await submit(p, p.getByRole('button', { name: 'Continue' }));
    const choice = p.getByRole('radio', { name: 'Security questions' });
    await choice.waitFor();
    await e2e.shot(p, `${label}-choice`);
    await choice.check();
    await submit(p, p.getByRole('button', { name: 'Continue' }));
    await p.getByRole('heading', { name: 'Answer your security questions' }).waitFor();
    await e2e.shot(p, `${label}-questions`);
    const inputs = p.locator('main form input[type=text], main form input[type=password]');
    const n = await inputs.count();
    assert.ok(n >= 1, 'at least one question is asked');
    for (let i = 0; i < n; i += 1) {
      const id = await inputs.nth(i).getAttribute('id');
      const question = (await p.locator(`label[for="${id}"]`).innerText()).trim();
      assert.ok(answers.has(question), `"${question}" is one of the enrolled questions`);
      await inputs.nth(i).fill(answerFor(question));
    }
    await submit(p, p.getByRole('button', { name: 'Sign in' }));
    await e2e.shot(p, `${label}-result`);
    const heading = await p.getByRole('heading', { level: 1 }).innerText();
    const alert = (await p.getByRole('alert').count()) ? (await p.getByRole('alert').innerText()).trim() : '';
    await p.context().close();
    return { heading, alert };
  };
  const wrong = await viaQuestions('questions-wrong', (q) => `${answers.get(q)} not`);
  assert.notEqual(wrong.heading, `Welcome, ${person.name}`);
  assert.equal(wrong.alert, GENERIC, 'a wrong answer gets the generic message');
  // Case and spacing do not matter.
  const right = await viaQuestions('questions-right', (q) => `  ${answers.get(q).toUpperCase()} `);
  assert.equal(right.heading, `Welcome, ${person.name}`);
});

/**
 * Waits until at least `margin` seconds are left in the current 30-second step, so a code
 * computed now is still current when the server checks it.
 */
async function awayFromStepEnd(margin = 5) {
  const left = 30 - ((Date.now() / 1000) % 30);
  if (left < margin) await new Promise((r) => setTimeout(r, left * 1000 + 200));
}

test('authenticator app: enrol with a code computed from the shown key, then sign in through a chain that asks for it', async () => {
  const person = e2e.person(3);
  const page = await e2e.newPage();
  await signIn(e2e, page, person.login, person.password, 'totp');
  await page.getByRole('link', { name: 'Authenticator app' }).click();
  await page.waitForURL(/\/account\/totp/);
  await e2e.shot(page, 'totp-setup');
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Authenticator app');
  assert.equal(await page.locator('figure.qr svg').count(), 1, 'a QR code is drawn');
  const key = (await page.locator('#totp-key').innerText()).trim();
  assert.match(key, /^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/, `a base32 key in groups of four (${key})`);

  // A wrong code is refused, said at the field.
  await awayFromStepEnd();
  const good = totpCode(key);
  await page.getByLabel('Code from the app').fill(good === '000000' ? '111111' : '000000');
  await submit(page, page.getByRole('button', { name: 'Confirm' }));
  await e2e.shot(page, 'totp-wrong-code');
  assert.equal(
    (await page.locator('#code-error').innerText()).trim(),
    'That code is not right. Type the code your app shows now (6 digits).',
  );
  assert.equal(await page.getByLabel('Code from the app').getAttribute('aria-invalid'), 'true');
  const sameKey = (await page.locator('#totp-key').innerText()).trim();

  // The code of the previous step (an app shows it until the step ends; the server accepts the
  // current and the previous step). It becomes the last used step: the current code is then
  // still new for the sign-in below, whatever the clock does in between.
  await awayFromStepEnd();
  const enrolStep = stepAt() - 1;
  await page.getByLabel('Code from the app').fill(totpCode(sameKey, enrolStep));
  await submit(page, page.getByRole('button', { name: 'Confirm' }));
  await e2e.shot(page, 'totp-enrolled');
  assert.match(await page.getByRole('status').innerText(), /Your authenticator app is set up/);
  const recovery = await page.locator('#recovery-codes li').allInnerTexts();
  assert.ok(recovery.length >= 5, `recovery codes are shown once (${recovery.length})`);
  await page.context().close();

  // A chain "password, then app code" offered beside the password alone.
  const shipped = await exportAuthcfg(e2e.server);
  const offered = 'available = "PASSWORD,SECURITY_QUESTIONS"';
  const initial = 'initial = "PASSWORD"\n';
  assert.ok(shipped.includes(offered) && shipped.includes(initial));
  await importAuthcfg(e2e.server, `${shipped
    .replace(offered, 'available = "PASSWORD,SECURITY_QUESTIONS,PASSWORD_TOTP"')
    .replace(initial, 'initial = "PASSWORD,PASSWORD_TOTP"\n')}
[[chain]]
id = "PASSWORD_TOTP"
description = "Password and app code"
enabled = true
builtin = false
abort_on_failure = false
cache_results = true
purpose = "authentication"

[[chain.module]]
cfg_id = "${crypto.randomUUID()}"
order = 10
type = "password"
control = "requisite"
description = ""
bypass_on_retry = false
increment_lockout = true

[[chain.module]]
cfg_id = "${crypto.randomUUID()}"
order = 20
type = "totp"
control = "required"
description = ""
bypass_on_retry = false
increment_lockout = true
`);
  try {
    /** Signs in with the password, then `code` on the TOTP page. */
    const withCode = async (label, code) => {
      const p = await e2e.newPage();
      await e2e.visit(p, '/login', `${label}-user-id`);
      await p.getByLabel('User ID').fill(person.login);
      await submit(p, p.getByRole('button', { name: 'Continue' }));
      const choice = p.getByRole('radio', { name: 'Password and app code' });
      await choice.waitFor();
      await e2e.shot(p, `${label}-choice`);
      await choice.check();
      await submit(p, p.getByRole('button', { name: 'Continue' }));
      await passwordField(p).fill(person.password);
      await submit(p, p.getByRole('button', { name: 'Sign in' }));
      await p.getByRole('heading', { name: 'Enter your authentication code' }).waitFor();
      await e2e.shot(p, `${label}-code`);
      await p.getByLabel('Code').fill(typeof code === 'function' ? code() : code);
      await submit(p, p.getByRole('button', { name: 'Verify' }));
      await e2e.shot(p, `${label}-result`);
      const heading = await p.getByRole('heading', { level: 1 }).innerText();
      const alert = (await p.getByRole('alert').count()) ? (await p.getByRole('alert').innerText()).trim() : '';
      await p.context().close();
      return { heading, alert };
    };
    // The code already used for the enrolment is refused (no replay).
    const replay = await withCode('totp-replay', totpCode(sameKey, enrolStep));
    assert.notEqual(replay.heading, `Welcome, ${person.name}`);
    assert.equal(replay.alert, GENERIC);
    // The app's current code signs in.
    const ok = await withCode('totp-current', () => totpCode(sameKey));
    assert.equal(ok.heading, `Welcome, ${person.name}`);
    // A recovery code works instead of the app, once.
    const rescued = await withCode('totp-recovery', recovery[0]);
    assert.equal(rescued.heading, `Welcome, ${person.name}`);
    const again = await withCode('totp-recovery-again', recovery[0]);
    assert.equal(again.alert, GENERIC, 'a recovery code works once');
  } finally {
    await importAuthcfg(e2e.server, shipped);
  }
});

test('at 320 px wide nothing overflows on the account pages', async () => {
  const person = e2e.person(7);
  const page = await e2e.newPage({ viewport: { width: 320, height: 640 } });
  await signIn(e2e, page, person.login, person.password, 'narrow');
  for (const [url, label] of [
    ['/account/password', 'narrow-password'],
    ['/account/totp', 'narrow-totp'],
    ['/account/questions', 'narrow-questions'],
  ]) {
    await e2e.visit(page, url, label);
    assert.equal(new URL(page.url()).pathname, url, `${url} opens for a fresh sign-in`);
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scroll <= 320, `${url}: the page is ${scroll} px wide at a 320 px viewport`);
  }
  await page.context().close();
});
