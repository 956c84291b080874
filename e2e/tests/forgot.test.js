// The forgotten-password service with the demo's outbox: the mailed one-time code (PIN) step —
// a wrong code, a code asked for again too soon, an unknown user ID — and "unlock instead of
// reset" for an account locked by failed sign-ins. The same mailed PIN as a sign-in method,
// through a chain added with `latchkey authcfg`.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { passwordField, signIn, submit, useE2E } from '../lib/harness.js';
import {
  enterCode, exportAuthcfg, importAuthcfg, requestReset, setNewPassword, trySignIn,
} from '../lib/flows.js';
import { codeIn, readOutbox, waitForOutbox } from '../lib/mail.js';

const e2e = useE2E('forgot');

const GENERIC = 'The user ID or password is not correct.';
const FAILED = 'We could not verify you with that code. Please start again.';

/** The outbox messages to `login`'s address. */
const to = (login) => (m) => m.to === `${login}@example.org`;

test('PIN at /forgot: a wrong code ends the attempt; a new attempt with the mailed code reaches the new password', async () => {
  const person = e2e.person(11);
  const page = await e2e.newPage();
  let seen = (await readOutbox(e2e.server.dir)).length;
  await requestReset(e2e, page, person.login, 'wrong-code');
  const first = await waitForOutbox(e2e.server.dir, to(person.login), { skip: seen });
  assert.equal(first.subject, 'Your verification code');
  const code = codeIn(first.body_text);
  // A wrong code (the right one with its last character changed) is refused.
  const wrong = code.slice(0, -1) + (code.endsWith('0') ? '1' : '0');
  await enterCode(e2e, page, wrong, 'wrong-code');
  await e2e.shot(page, 'wrong-code-refused');
  assert.equal((await page.getByRole('alert').innerText()).trim(), FAILED);
  assert.equal(await page.getByRole('heading', { name: 'Choose a new password' }).count(), 0);

  // The flow is over: the right code typed now does not help; start again.
  seen = (await readOutbox(e2e.server.dir)).length;
  await requestReset(e2e, page, person.login, 'second-attempt');
  const second = await waitForOutbox(e2e.server.dir, to(person.login), { skip: seen });
  await enterCode(e2e, page, codeIn(second.body_text), 'second-attempt');
  await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
  await e2e.shot(page, 'second-attempt-verified');
  await page.context().close();
});

test('PIN at /forgot: "Send a new code" at once sends nothing more and the first code still works', async () => {
  const person = e2e.person(12);
  const page = await e2e.newPage();
  const seen = (await readOutbox(e2e.server.dir)).length;
  await requestReset(e2e, page, person.login, 'resend');
  const mail = await waitForOutbox(e2e.server.dir, to(person.login), { skip: seen });
  await submit(page, page.getByRole('button', { name: 'Send a new code' }));
  await e2e.shot(page, 'resend-too-soon');
  // Mail goes out in the background: give a second message time to arrive, if one were sent.
  await new Promise((r) => setTimeout(r, 1500));
  const mails = (await readOutbox(e2e.server.dir)).slice(seen).filter(to(person.login));
  assert.equal(mails.length, 1, 'a second code within 30 s is not sent');
  await enterCode(e2e, page, codeIn(mail.body_text), 'resend');
  await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
  await page.context().close();
  // Still one message, however slowly a second one would have gone out.
  assert.equal((await readOutbox(e2e.server.dir)).slice(seen).filter(to(person.login)).length, 1);
});

test('keyboard only at 320 px: user ID, Enter, mailed code, Enter, new-password page; nothing overflows', async () => {
  const person = e2e.person(18);
  const page = await e2e.newPage({ viewport: { width: 320, height: 640 } });
  const narrow = async (label) => {
    await e2e.shot(page, `narrow-${label}`);
    const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(scroll <= 320, `${label}: the page is ${scroll} px wide at a 320 px viewport`);
  };
  await page.goto('/forgot');
  await narrow('user-id');
  // The first field has the focus on arrival: type, Enter.
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'f-user');
  const seen = (await readOutbox(e2e.server.dir)).length;
  await page.keyboard.type(person.login);
  await page.keyboard.press('Enter');
  await page.getByLabel('Code').waitFor();
  await narrow('code');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'f-pin');
  const mail = await waitForOutbox(e2e.server.dir, to(person.login), { skip: seen });
  await page.keyboard.type(codeIn(mail.body_text));
  // Enter submits with the form's first button, "Continue" (not "Send a new code").
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
  await narrow('new-password');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'new');
  await page.context().close();
});

test('PIN at /forgot: an unknown user ID gets the same page and no mail is sent', async () => {
  const known = e2e.person(13);
  const page = await e2e.newPage();
  await requestReset(e2e, page, known.login, 'known');
  const knownText = await page.getByRole('main').innerText();
  const seen = (await readOutbox(e2e.server.dir)).length;
  await requestReset(e2e, page, 'no.such.person', 'unknown');
  assert.equal(await page.getByRole('main').innerText(), knownText);
  await enterCode(e2e, page, '123456', 'unknown');
  assert.equal((await page.getByRole('alert').innerText()).trim(), FAILED);
  await new Promise((r) => setTimeout(r, 1000));
  const after = (await readOutbox(e2e.server.dir)).slice(seen);
  assert.deepEqual(after.filter((m) => m.to.startsWith('no.such.person')), []);
  await page.context().close();
});

/**
 * Locks `person` out with wrong passwords in one tab: the demo allows 5 failed sign-ins
 * (MAX_USERAUTH_FAILURE) and one last chance, so the sixth failure locks the account. Only the
 * first and last attempts are screenshotted.
 */
async function lockOut(person, label) {
  const page = await e2e.newPage();
  for (let i = 1; i <= 6; i += 1) {
    await page.goto('/login');
    await page.getByLabel('User ID').fill(person.login);
    await submit(page, page.getByRole('button', { name: 'Continue' }));
    await passwordField(page).fill(`wrong-${i}-${person.password}`);
    await submit(page, page.getByRole('button', { name: 'Sign in' }));
    if (i === 1 || i === 6) await e2e.shot(page, `${label}-failure-${i}`);
    assert.equal((await page.getByRole('alert').innerText()).trim(), GENERIC, `failed sign-in ${i}`);
  }
  await page.context().close();
}

test('unlock instead of reset: a locked account proves itself by mailed code, unlocks and keeps its password', async () => {
  const person = e2e.person(14);
  await lockOut(person, 'lock');
  const locked = await trySignIn(e2e, person.login, person.password, 'locked');
  assert.notEqual(locked.heading, `Welcome, ${person.name}`, 'the right password does not sign a locked account in');
  assert.equal(locked.alert, GENERIC, 'a locked account gets the generic message');

  const page = await e2e.newPage();
  const seen = (await readOutbox(e2e.server.dir)).length;
  await requestReset(e2e, page, person.login, 'unlock');
  const mail = await waitForOutbox(e2e.server.dir, to(person.login), { skip: seen });
  await enterCode(e2e, page, codeIn(mail.body_text), 'unlock');
  await page.getByRole('heading', { name: 'Your account is locked' }).waitFor();
  await e2e.shot(page, 'unlock-offered');
  await submit(page, page.getByRole('button', { name: 'Unlock my account and keep my password' }));
  await e2e.shot(page, 'unlocked');
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Your account is unlocked');
  assert.match(await page.getByRole('status').innerText(), /Sign in with your current password; it was not changed\./);
  await page.context().close();

  const back = await trySignIn(e2e, person.login, person.password, 'after-unlock');
  assert.equal(back.heading, `Welcome, ${person.name}`, 'the old password signs in again');
});

test('a reset that sets a new password also unlocks a locked account', async () => {
  const person = e2e.person(15);
  await lockOut(person, 'lock2');
  const page = await e2e.newPage();
  const seen = (await readOutbox(e2e.server.dir)).length;
  await requestReset(e2e, page, person.login, 'reset-locked');
  const mail = await waitForOutbox(e2e.server.dir, to(person.login), { skip: seen });
  await enterCode(e2e, page, codeIn(mail.body_text), 'reset-locked');
  const fresh = `Lk-unlock-${Date.now().toString(36)}-Quartz7!`;
  await setNewPassword(e2e, page, fresh, 'reset-locked');
  assert.match(await page.getByRole('status').innerText(), /it is unlocked now/);
  await page.context().close();
  assert.equal((await trySignIn(e2e, person.login, fresh, 'reset-locked-new')).heading, `Welcome, ${person.name}`);
});

test('PIN as a sign-in method: a chain with the mailed PIN (added with latchkey authcfg) signs in', async () => {
  // No shipped login chain mails a PIN; an operator adds one and offers it in DEFAULT_LOGIN.
  const shipped = await exportAuthcfg(e2e.server);
  const offered = 'available = "PASSWORD,SECURITY_QUESTIONS"';
  assert.ok(shipped.includes(offered), 'DEFAULT_LOGIN offers PASSWORD and SECURITY_QUESTIONS');
  const initial = 'initial = "PASSWORD"\n';
  assert.ok(shipped.includes(initial), 'DEFAULT_LOGIN starts from PASSWORD');
  const withPin = `${shipped
    .replace(offered, 'available = "PASSWORD,SECURITY_QUESTIONS,EMAIL_PIN"')
    .replace(initial, 'initial = "PASSWORD,EMAIL_PIN"\n')}
[[chain]]
id = "EMAIL_PIN"
description = "Code by email"
enabled = true
builtin = false
abort_on_failure = false
cache_results = true
purpose = "authentication"

[[chain.module]]
cfg_id = "${crypto.randomUUID()}"
order = 10
type = "emailsmspin"
control = "required"
description = ""
bypass_on_retry = false
increment_lockout = true

[chain.module.settings]
attribute = "mail"
channel = "email"
`;
  await importAuthcfg(e2e.server, withPin);
  try {
    const person = e2e.person(16);
    const page = await e2e.newPage();
    await e2e.visit(page, '/login', 'pin-login-user-id');
    await page.getByLabel('User ID').fill(person.login);
    await submit(page, page.getByRole('button', { name: 'Continue' }));
    const choice = page.getByRole('radio', { name: 'Code by email' });
    await choice.waitFor();
    await e2e.shot(page, 'pin-login-choice');
    const seen = (await readOutbox(e2e.server.dir)).length;
    await choice.check();
    await submit(page, page.getByRole('button', { name: 'Continue' }));
    await page.getByRole('heading', { name: 'Enter your PIN' }).waitFor();
    await e2e.shot(page, 'pin-login-pin');
    assert.match(await page.getByRole('main').innerText(), /We sent a PIN to/);
    const mail = await waitForOutbox(e2e.server.dir, to(person.login), { skip: seen });
    await page.getByLabel('PIN').fill(codeIn(mail.body_text));
    await submit(page, page.getByRole('button', { name: 'Sign in' }));
    await e2e.shot(page, 'pin-login-home');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), `Welcome, ${person.name}`);
    await page.context().close();

    // Password sign-in still works beside it (the helper picks "Password" on the choice page).
    const other = e2e.person(17);
    const p2 = await e2e.newPage();
    await signIn(e2e, p2, other.login, other.password, 'pin-login-password');
    assert.equal(await p2.getByRole('heading', { level: 1 }).innerText(), `Welcome, ${other.name}`);
    assert.equal(await passwordField(p2).count(), 0);
    await p2.context().close();
  } finally {
    await importAuthcfg(e2e.server, shipped);
  }
});
