// The recovery modes of the forgotten-password service, with real mail (SMTP to aiosmtpd, see
// the harness): FORGOTTEN_PASSWORD/RECOVERY_MODE `send` (the server makes a new password and
// mails it; the page never shows it) and `send_expired` (the same, and the mailed password must
// be changed before anything else), set with `latchkey settings` on this server's database and
// restored after each test. And "Unlock my account and keep my password" mails an "account
// unlocked" notice, not a "password changed" one.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passwordField, signIn, submit, useE2E } from '../lib/harness.js';
import { enterCode, newPassword, requestReset, trySignIn } from '../lib/flows.js';
import { codeIn } from '../lib/mail.js';

const e2e = useE2E('forgot-modes', { smtp: true });

const GENERIC = 'The user ID or password is not correct.';
const NS = 'FORGOTTEN_PASSWORD';

/** The session cookie, if the browser has one (no automatic sign-in after a reset). */
async function sessionCookie(page) {
  return (await page.context().cookies()).find((c) => c.name.endsWith('latchkey_session'));
}

/** Messages to `address`. */
const to = (address) => (m) => m.envelopeTo.includes(address);

/** The password in a "Your new password" mail: the line after "Your new password is:". */
function passwordIn(text) {
  const m = /Your new password is:\n\n(\S+)\n/.exec(text);
  if (!m) throw new Error(`no password in the mail:\n${text}`);
  return m[1];
}

/** Runs `body` with RECOVERY_MODE set to `mode` for the default profile, then unsets it. */
async function withRecoveryMode(mode, body) {
  await e2e.server.cli(['settings', 'set', NS, 'RECOVERY_MODE', `default ${mode}`]);
  try {
    assert.equal((await e2e.server.cli(['settings', 'get', NS, 'RECOVERY_MODE'])).trim(), `default ${mode}`);
    await body();
  } finally {
    await e2e.server.cli(['settings', 'unset', NS, 'RECOVERY_MODE']);
  }
}

/**
 * /forgot for `person` through the mailed code to the "Get a new password" page, then "Send me
 * a new password". Checks the pages on the way and that the password is never on them;
 * resolves to the mailed password (the mail is checked too).
 */
async function sendNewPassword(person, label, { expires }) {
  const address = `${person.login}@example.org`;
  const page = await e2e.newPage();
  const before = (await e2e.smtp.messages()).length;
  await requestReset(e2e, page, person.login, label);
  const codeMail = await e2e.smtp.waitFor(to(address), { skip: before });
  assert.equal(codeMail.subject, 'Your verification code');
  await enterCode(e2e, page, codeIn(codeMail.text), label);

  // The confirmation: no password field, nothing to type, the password is not made yet.
  await page.getByRole('heading', { level: 1, name: 'Get a new password' }).waitFor();
  await e2e.shot(page, `${label}-confirm`);
  const confirm = await page.getByRole('main').innerText();
  assert.match(confirm, new RegExp(`You proved who you are for ${person.login}\\.`));
  assert.match(confirm, /It is never shown on this page\./);
  assert.equal(/choose a password of your own before anything else/.test(confirm), expires,
    `the page says the password must be changed at sign-in only in send_expired (${expires})`);
  assert.equal(await passwordField(page).count(), 0, 'no password field in a sending mode');
  assert.equal(await page.getByRole('heading', { name: 'Choose a new password' }).count(), 0);

  await submit(page, page.getByRole('button', { name: 'Send me a new password' }));
  await e2e.shot(page, `${label}-sent`);
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'A new password was sent');
  const status = await page.getByRole('status').innerText();
  assert.match(status, /We sent a new password to the email address of your account\. Sign in with it\./);
  assert.equal(/you will be asked to choose a password of your own/.test(status), expires);
  assert.equal(await sessionCookie(page), undefined, 'no automatic sign-in after the reset');

  const mail = await e2e.smtp.waitFor(
    (m) => to(address)(m) && m.subject === 'Your new password',
    { skip: before },
  );
  assert.deepEqual(mail.to, [address]);
  assert.match(mail.text, new RegExp(`^Hello ${person.name},`));
  assert.match(mail.text, new RegExp(`the password of your account \\(${person.login}\\) was reset on`));
  const password = passwordIn(mail.text);
  assert.ok(password.length >= 8, `a real password (${password.length} characters)`);
  assert.notEqual(password, person.password);
  // Never on the page, in its text or its HTML (hidden fields included).
  assert.ok(!(await page.content()).includes(password), 'the done page does not hold the password');
  // No "password changed" notice besides: the new-password mail is the notice.
  assert.equal((await e2e.smtp.messages()).slice(before).filter(to(address)).length, 2);

  // Not signed in: the home page asks to sign in.
  await e2e.visit(page, '/', `${label}-home-after`);
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Sign in to manage your password');
  await page.context().close();
  return password;
}

test('RECOVERY_MODE send: the mailed password signs in, the old one does not, the page never shows it', async () => {
  const person = e2e.person(2);
  await withRecoveryMode('send', async () => {
    const mailed = await sendNewPassword(person, 'send', { expires: false });

    const old = await trySignIn(e2e, person.login, person.password, 'send-old-password');
    assert.equal(old.alert, GENERIC, 'the old password no longer signs in');
    assert.notEqual(old.heading, `Welcome, ${person.name}`);

    // Signs in, and straight home: the password is not expired in this mode.
    const page = await e2e.newPage();
    await signIn(e2e, page, person.login, mailed, 'send-mailed-password');
    await e2e.shot(page, 'send-mailed-password-home');
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), `Welcome, ${person.name}`);
    await e2e.visit(page, '/account/totp', 'send-totp-open');
    assert.equal(new URL(page.url()).pathname, '/account/totp', 'other pages open normally');
    await page.context().close();
  });
});

test('RECOVERY_MODE send_expired: the mailed password leads to the change page, which every page redirects to until changed', async () => {
  const person = e2e.person(3);
  await withRecoveryMode('send_expired', async () => {
    const mailed = await sendNewPassword(person, 'expired', { expires: true });

    const old = await trySignIn(e2e, person.login, person.password, 'expired-old-password');
    assert.equal(old.alert, GENERIC, 'the old password no longer signs in');

    const page = await e2e.newPage();
    await signIn(e2e, page, person.login, mailed, 'expired-mailed-password');
    await e2e.shot(page, 'expired-signed-in');
    assert.equal(new URL(page.url()).pathname, '/account/password', 'sign-in lands on the change page');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Change your password');
    assert.equal(
      (await page.getByRole('alert').first().innerText()).trim(),
      'Your password has expired. Choose a new one before you continue.',
    );
    assert.ok(await sessionCookie(page), 'signed in (with the password that must change)');

    // Every other page sends the person back to the change page.
    for (const [url, label] of [['/', 'home'], ['/account/totp', 'totp'], ['/account/sessions', 'sessions']]) {
      await e2e.visit(page, url, `expired-gated-${label}`);
      assert.equal(new URL(page.url()).pathname, '/account/password', `${url} redirects to the change page`);
      assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Change your password');
    }

    const fresh = newPassword('expired');
    await page.getByLabel('Current password').fill(mailed);
    await page.getByLabel('New password', { exact: true }).fill(fresh);
    await page.getByLabel('New password again').fill(fresh);
    await submit(page, page.getByRole('button', { name: 'Change password' }));
    await e2e.shot(page, 'expired-changed');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Your password was changed');

    // Now the home page and the other pages open.
    await e2e.visit(page, '/', 'expired-home-after-change');
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), `Welcome, ${person.name}`);
    await e2e.visit(page, '/account/totp', 'expired-totp-after-change');
    assert.equal(new URL(page.url()).pathname, '/account/totp');
    await page.context().close();
  });
});

/** Locks `person` out: 5 failed sign-ins are allowed, the sixth locks (the demo's settings). */
async function lockOut(person, label) {
  const page = await e2e.newPage();
  for (let i = 1; i <= 6; i += 1) {
    await page.goto('/login');
    await page.getByLabel('User ID').fill(person.login);
    await submit(page, page.getByRole('button', { name: 'Continue' }));
    await passwordField(page).fill(`wrong-${i}-${person.password}`);
    await submit(page, page.getByRole('button', { name: 'Sign in' }));
    if (i === 6) await e2e.shot(page, `${label}-locked`);
    assert.equal((await page.getByRole('alert').innerText()).trim(), GENERIC, `failed sign-in ${i}`);
  }
  await page.context().close();
}

test('unlock and keep the password: the mail says the account was unlocked, not that the password changed', async () => {
  const person = e2e.person(5);
  const address = `${person.login}@example.org`;
  await lockOut(person, 'unlock');
  const locked = await trySignIn(e2e, person.login, person.password, 'unlock-before');
  assert.equal(locked.alert, GENERIC, 'locked: the right password does not sign in');

  const page = await e2e.newPage();
  const before = (await e2e.smtp.messages()).length;
  await requestReset(e2e, page, person.login, 'unlock');
  const codeMail = await e2e.smtp.waitFor(to(address), { skip: before });
  await enterCode(e2e, page, codeIn(codeMail.text), 'unlock');
  await page.getByRole('heading', { name: 'Your account is locked' }).waitFor();
  await e2e.shot(page, 'unlock-offered');
  await submit(page, page.getByRole('button', { name: 'Unlock my account and keep my password' }));
  await e2e.shot(page, 'unlock-done');
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Your account is unlocked');
  await page.context().close();

  const notice = await e2e.smtp.waitFor(
    (m) => to(address)(m) && m.subject !== 'Your verification code',
    { skip: before },
  );
  assert.equal(notice.subject, 'Your account was unlocked');
  assert.match(notice.text, new RegExp(`your account \\(${person.login}\\) was unlocked on`));
  assert.match(notice.text, /Your password was not changed: sign in with the one you had\./);
  assert.doesNotMatch(notice.text, /password (of your account .*)?was (changed|reset)/);
  // Only that notice: no "Your password was changed" mail, however late it would go out.
  await new Promise((r) => setTimeout(r, 1500));
  const subjects = (await e2e.smtp.messages()).slice(before).filter(to(address)).map((m) => m.subject);
  assert.deepEqual(subjects, ['Your verification code', 'Your account was unlocked']);

  const back = await trySignIn(e2e, person.login, person.password, 'unlock-after');
  assert.equal(back.heading, `Welcome, ${person.name}`, 'the kept password signs in');
});
