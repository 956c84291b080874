// The forgotten-password service end to end with real mail: the server (`latchkey serve` on the
// demo's data, see the harness) sends over SMTP to an aiosmtpd server on 127.0.0.1, and the
// test reads the code, and then the link, out of the messages that server stored.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { submit, useE2E } from '../lib/harness.js';
import {
  enterCode, exportAuthcfg, importAuthcfg, newPassword, requestReset, setNewPassword, trySignIn,
} from '../lib/flows.js';
import { codeIn } from '../lib/mail.js';

const e2e = useE2E('forgot-smtp', { smtp: true });

const GENERIC = 'The user ID or password is not correct.';

test('forgotten password: code from the SMTP mail, new password works, old does not, notice mailed', async () => {
  // José García: his name reaches the mail as UTF-8 in quoted-printable.
  const person = e2e.person(10);
  assert.equal(person.name, 'José García');
  const address = `${person.login}@example.org`;
  // Mail goes over SMTP: the demo's outbox page does not exist on this server.
  const outbox = await fetch(`${e2e.server.base}/outbox`);
  assert.equal(outbox.status, 404, 'no /outbox when mail is sent over SMTP');

  const page = await e2e.newPage();
  const before = (await e2e.smtp.messages()).length;
  await requestReset(e2e, page, person.login);
  assert.match(await page.getByRole('main').innerText(), /we sent a one-time code there/);

  const mail = await e2e.smtp.waitFor((m) => m.envelopeTo.includes(address), { skip: before });
  assert.equal(mail.subject, 'Your verification code');
  assert.deepEqual(mail.to, [address]);
  assert.equal(mail.from, 'latchkey@example.org');
  assert.match(mail.text, new RegExp(`^Hello ${person.name},`));
  // Decoded, not as sent: the server wraps long lines with quoted-printable soft breaks.
  assert.match(mail.headers.get('content-transfer-encoding')?.[0] ?? '', /quoted-printable|base64|8bit|7bit/i);
  assert.match(mail.text, /Nobody from the help desk will ever\nask you for it\./);
  const code = codeIn(mail.text);
  assert.match(code, /^\w{4,12}$/, `a one-time code (got ${code})`);

  await enterCode(e2e, page, code);
  assert.match(await page.getByRole('main').innerText(), new RegExp(`You proved who you are for ${person.login}`));
  const fresh = newPassword('smtp');
  await setNewPassword(e2e, page, fresh);
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Your password was reset');
  assert.match(await page.getByRole('status').innerText(), /Sign in with your new password/);
  // No automatic sign-in after a reset.
  assert.equal((await page.context().cookies()).find((c) => c.name.endsWith('latchkey_session')), undefined);
  await page.context().close();

  const notice = await e2e.smtp.waitFor(
    (m) => m.envelopeTo.includes(address) && m.subject === 'Your password was changed',
    { skip: before },
  );
  assert.match(notice.text, new RegExp(`password of your account \\(${person.login}\\) was changed`));
  assert.doesNotMatch(notice.text, new RegExp(fresh.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'the notice holds no password');

  const old = await trySignIn(e2e, person.login, person.password, 'old-password');
  assert.equal(old.alert, GENERIC, 'the old password no longer signs in');
  const now = await trySignIn(e2e, person.login, fresh, 'new-password');
  assert.equal(now.heading, `Welcome, ${person.name}`, 'the new password signs in');

  // The code was for one use: the same code in a new reset flow does not verify.
  const again = await e2e.newPage();
  const count = (await e2e.smtp.messages()).length;
  await requestReset(e2e, again, person.login, 'reuse');
  await e2e.smtp.waitFor((m) => m.envelopeTo.includes(address), { skip: count });
  await enterCode(e2e, again, code, 'reuse');
  assert.equal(
    (await again.getByRole('alert').innerText()).trim(),
    'We could not verify you with that code. Please start again.',
  );
  await again.context().close();
});

test('forgotten password by mailed link (PASSWORD_RESET switched to mail_nonce): the link from the SMTP mail', async () => {
  // The shipped reset chain mails a code; an operator may make it mail a link instead
  // (module mail_nonce). Do that through `latchkey authcfg` on this server's database.
  const shipped = await exportAuthcfg(e2e.server);
  const pin = /type = "emailsmspin"\ncontrol = "required"\n([\s\S]*?)\[chain\.module\.settings\]\nallow_locked = "true"\nattribute = "mail"\nchannel = "email"\n/;
  assert.match(shipped, pin, 'the shipped PASSWORD_RESET chain verifies by a mailed code');
  const linked = shipped.replace(pin, (_, middle) =>
    `type = "mail_nonce"\ncontrol = "required"\n${middle}[chain.module.settings]\nallow_locked = "true"\nattribute = "mail"\n`);
  await importAuthcfg(e2e.server, linked);

  try {
    const person = e2e.person(4);
    const address = `${person.login}@example.org`;
    const page = await e2e.newPage();
    const before = (await e2e.smtp.messages()).length;
    await requestReset(e2e, page, person.login, 'link');
    assert.match(await page.getByRole('main').innerText(), /we sent a link there/);
    const mail = await e2e.smtp.waitFor((m) => m.envelopeTo.includes(address), { skip: before });
    assert.equal(mail.subject, 'Reset your password');
    const link = /^(http:\/\/\S+\/forgot\/link\?\S+)$/m.exec(mail.text)?.[1];
    assert.ok(link, `a reset link in the mail:\n${mail.text}`);
    assert.ok(link.startsWith(`${e2e.server.base}/`), `the link points at this server (${link})`);

    // Opened in the browser that asked for it.
    const res = await e2e.visit(page, link, 'link-opened');
    assert.equal(res.status(), 200);
    assert.equal(res.headers()['referrer-policy'], 'no-referrer', 'a page reached by a token leaks no Referer');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Link accepted');
    await submit(page, page.getByRole('button', { name: 'Continue' }));
    const fresh = newPassword('link');
    await setNewPassword(e2e, page, fresh, 'link');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Your password was reset');
    // The link worked once: opened again in the same browser, it is refused.
    await e2e.visit(page, link, 'link-replayed');
    assert.match(await page.getByRole('main').innerText(), /This link cannot be used here\./);
    assert.equal(await page.getByRole('heading', { name: 'Choose a new password' }).count(), 0);
    await page.context().close();

    await e2e.smtp.waitFor(
      (m) => m.envelopeTo.includes(address) && m.subject === 'Your password was changed',
      { skip: before },
    );
    const now = await trySignIn(e2e, person.login, fresh, 'link-new-password');
    assert.equal(now.heading, `Welcome, ${person.name}`);
  } finally {
    await importAuthcfg(e2e.server, shipped);
  }
});
