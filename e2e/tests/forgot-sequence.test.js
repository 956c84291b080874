// The password reset "the midPoint way" (seed 002): the global security policy names a reset
// sequence (the user ID, the password hint when the person has one, then a mailed link), set up
// with `latchkey authcfg import` and `latchkey policy import` on this server's database and
// removed after the test. A person with a hint sees it and chooses to go on; the mailed link,
// read from the real SMTP server (aiosmtpd, see the harness), then leads to the new password,
// which signs in. A person without a hint goes straight to the link page.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { submit, useE2E } from '../lib/harness.js';
import {
  exportAuthcfg, importAuthcfg, newPassword, requestReset, setNewPassword, trySignIn,
} from '../lib/flows.js';

const e2e = useE2E('forgot-sequence', { smtp: true });

/** The reset sequence: user ID (requisite), hint (optional, skipped without one), mailed link. */
const SEQUENCE = `
[[chain]]
id = "PW_RESET_SEQ"
description = "Password reset, the midPoint way"
enabled = true

[[chain.module]]
cfg_id = "5e000000-0000-4000-8000-000000000001"
order = 10
type = "user_ident"
control = "requisite"

[[chain.module]]
cfg_id = "5e000000-0000-4000-8000-000000000002"
order = 20
type = "hint"
control = "optional"

[chain.module.settings]
accept_empty = "true"

[[chain.module]]
cfg_id = "5e000000-0000-4000-8000-000000000003"
order = 30
type = "mail_nonce"
control = "required"
`;

const GLOBAL_POLICY = 'id = "global"\n\n[credentials.reset]\nsequence = "PW_RESET_SEQ"\n';

/** The reset link in the first "Reset your password" mail to `address` after the first `skip`. */
async function mailedLink(address, skip) {
  const mail = await e2e.smtp.waitFor(
    (m) => m.envelopeTo.includes(address) && m.subject === 'Reset your password',
    { skip },
  );
  assert.deepEqual(mail.to, [address]);
  const link = /^(http:\/\/\S+\/forgot\/link\?\S+)$/m.exec(mail.text)?.[1];
  assert.ok(link, `a reset link in the mail:\n${mail.text}`);
  assert.ok(link.startsWith(`${e2e.server.base}/`), `the link points at this server (${link})`);
  return link;
}

/** The messages the SMTP server has received so far. */
const received = async () => (await e2e.smtp.messages()).length;

test('reset sequence: the hint, then the mailed link, then the new password', async () => {
  const shipped = await exportAuthcfg(e2e.server);
  await importAuthcfg(e2e.server, shipped + SEQUENCE);
  let policyImported = false;
  try {
    const policy = path.join(e2e.server.dir, 'global-policy.toml');
    await writeFile(policy, GLOBAL_POLICY);
    await e2e.server.cli(['policy', 'import', policy]);
    policyImported = true;
    const login = 'hinted.person';
    const name = 'Hinted Person';
    const address = `${login}@example.org`;
    await e2e.server.cli([
      'users', 'add', login, '--name', name, '--email', address,
      '--attr', 'passwordHint=the blue notebook', '--random-password',
    ]);

    // User ID, then the hint page (requestReset's "hint-sent" screenshot is that page).
    const page = await e2e.newPage();
    let seen = await received();
    await requestReset(e2e, page, login, 'hint');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Reset your password');
    assert.match(await page.getByRole('main').innerText(), /Hint: the blue notebook/);
    assert.doesNotMatch(await page.getByRole('main').innerText(), /we sent a link there/);
    // Nothing is mailed before the person chose to go on.
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(
      (await e2e.smtp.messages()).slice(seen).filter((m) => m.envelopeTo.includes(address)).map((m) => m.subject),
      [],
      'no mail before Continue on the hint page',
    );

    // Continue: the link page, and the link over SMTP.
    await submit(page, page.getByRole('button', { name: 'Continue' }));
    await e2e.shot(page, 'hint-continued');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Reset your password');
    assert.match(await page.getByRole('main').innerText(), /we sent a link there/);
    assert.doesNotMatch(await page.getByRole('main').innerText(), /Hint:/);
    const link = await mailedLink(address, seen);

    // The link, opened in the browser that asked for it, leads to the new password.
    const res = await e2e.visit(page, link, 'hint-link-opened');
    assert.equal(res.status(), 200);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Link accepted');
    await submit(page, page.getByRole('button', { name: 'Continue' }));
    const fresh = newPassword('sequence');
    await setNewPassword(e2e, page, fresh, 'hint');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Your password was reset');
    assert.match(await page.getByRole('status').innerText(), /Sign in with your new password/);
    await page.context().close();

    // The new password signs in.
    const now = await trySignIn(e2e, login, fresh, 'hint-new-password');
    assert.equal(now.alert, '', 'no error on signing in with the new password');
    assert.equal(now.heading, `Welcome, ${name}`, 'the new password signs in');

    // No hint on file: straight from the user ID to the link page, and the link is mailed.
    const person = e2e.person(6);
    const other = await e2e.newPage();
    seen = await received();
    await requestReset(e2e, other, person.login, 'no-hint');
    assert.equal(await other.getByRole('heading', { level: 1 }).innerText(), 'Reset your password');
    assert.match(await other.getByRole('main').innerText(), /we sent a link there/);
    assert.doesNotMatch(await other.getByRole('main').innerText(), /Hint:/);
    await mailedLink(`${person.login}@example.org`, seen);
    await other.context().close();
  } finally {
    if (policyImported) await e2e.server.cli(['policy', 'rm', 'global']);
    await importAuthcfg(e2e.server, shipped);
  }
});
