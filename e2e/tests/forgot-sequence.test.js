// The password reset "the midPoint way" (seed 002): the global security policy names a reset
// sequence (the user ID, the password hint when the person has one, then a mailed link), set up
// with `latchkey authcfg import` and `latchkey policy import` on this server's database and
// removed after the test. A person with a hint sees it and chooses to go on; the mailed link
// from the demo's outbox then leads to the new password. A person without a hint goes straight
// to the link page.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { submit, useE2E } from '../lib/harness.js';
import {
  exportAuthcfg, importAuthcfg, newPassword, requestReset, setNewPassword, trySignIn,
} from '../lib/flows.js';
import { readOutbox, waitForOutbox } from '../lib/mail.js';

const e2e = useE2E('forgot-sequence');

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

/** The reset link in the newest Link mail to `address` after the first `skip` messages. */
async function mailedLink(address, skip) {
  const mail = await waitForOutbox(e2e.server.dir, (m) => m.to === address && m.kind === 'link', { skip });
  const link = /(http:\/\/\S+\/forgot\/link\?\S+)/.exec(mail.body_text)?.[1];
  assert.ok(link, `a reset link in the mail:\n${mail.body_text}`);
  return link;
}

test('reset sequence: the hint, then the mailed link, then the new password', async () => {
  const shipped = await exportAuthcfg(e2e.server);
  await importAuthcfg(e2e.server, shipped + SEQUENCE);
  const policy = path.join(e2e.server.dir, 'global-policy.toml');
  await writeFile(policy, GLOBAL_POLICY);
  await e2e.server.cli(['policy', 'import', policy]);
  const login = 'hinted.person';
  const name = 'Hinted Person';
  await e2e.server.cli([
    'users', 'add', login, '--name', name, '--email', `${login}@example.org`,
    '--attr', 'passwordHint=the blue notebook', '--random-password',
  ]);
  try {
    const page = await e2e.newPage();
    let seen = (await readOutbox(e2e.server.dir)).length;
    await requestReset(e2e, page, login, 'hint');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Reset your password');
    assert.match(await page.getByRole('main').innerText(), /Hint: the blue notebook/);
    await submit(page, page.getByRole('button', { name: 'Continue' }));
    await e2e.shot(page, 'hint-continued');
    assert.match(await page.getByRole('main').innerText(), /we sent a link there/);

    const link = await mailedLink(`${login}@example.org`, seen);
    const res = await e2e.visit(page, link, 'hint-link-opened');
    assert.equal(res.status(), 200);
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Link accepted');
    await submit(page, page.getByRole('button', { name: 'Continue' }));
    const fresh = newPassword('sequence');
    await setNewPassword(e2e, page, fresh, 'hint');
    assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Your password was reset');
    await page.context().close();
    // The new password signs in (a new person may be asked to enrol first: no heading check).
    const now = await trySignIn(e2e, login, fresh, 'hint-new-password');
    assert.equal(now.alert, '', `the new password signs in (${now.heading})`);

    // No hint on file: straight from the user ID to the link page.
    const person = e2e.person(6);
    const other = await e2e.newPage();
    seen = (await readOutbox(e2e.server.dir)).length;
    await requestReset(e2e, other, person.login, 'no-hint');
    assert.match(await other.getByRole('main').innerText(), /we sent a link there/);
    assert.doesNotMatch(await other.getByRole('main').innerText(), /Hint:/);
    await mailedLink(`${person.login}@example.org`, seen);
    await other.context().close();
  } finally {
    await e2e.server.cli(['policy', 'rm', 'global']);
    await importAuthcfg(e2e.server, shipped);
  }
});
