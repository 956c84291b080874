// Steps of the self-service flows that several test files walk through: the forgotten-password
// pages, the change-password page, and the authentication configuration (authcfg) of the
// server under test.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { signIn, submit } from './harness.js';

/** A password the policy accepts (long, not common, not the login), different every call. */
export function newPassword(tag = 'pw') {
  const rand = Math.random().toString(36).slice(2, 8);
  return `Lk-${tag}-${rand}-Quartz7!`;
}

/**
 * From the sign-in page, follows "Forgot your password?" and asks for a code for `login`.
 * Leaves the page on the code (or link) step; takes a screenshot of both pages.
 */
export async function requestReset(e2e, page, login, label = 'forgot') {
  await e2e.visit(page, '/login', `${label}-login`);
  await page.getByRole('link', { name: 'Forgot your password?' }).click();
  await page.waitForURL(/\/forgot$/);
  await page.getByLabel('User ID').waitFor();
  await e2e.shot(page, `${label}-user-id`);
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), 'Reset your password');
  await page.getByLabel('User ID').fill(login);
  await submit(page, page.getByRole('button', { name: 'Continue' }));
  await e2e.shot(page, `${label}-sent`);
}

/** Types the mailed code on the code step and continues. */
export async function enterCode(e2e, page, code, label = 'forgot') {
  await page.getByLabel('Code').fill(code);
  await e2e.shot(page, `${label}-code`);
  await submit(page, page.getByRole('button', { name: 'Continue' }));
}

/** On "Choose a new password": types `password` twice and submits. */
export async function setNewPassword(e2e, page, password, label = 'forgot') {
  await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
  await e2e.shot(page, `${label}-new-password`);
  await page.getByLabel('New password', { exact: true }).fill(password);
  await page.getByLabel('New password again').fill(password);
  await submit(page, page.getByRole('button', { name: 'Set the new password' }));
  await e2e.shot(page, `${label}-done`);
}

/**
 * Tries `password` for `login` through the two-phase sign-in in a fresh browser context;
 * resolves to the heading of the page the attempt ends on, and closes the context.
 */
export async function trySignIn(e2e, login, password, label) {
  const page = await e2e.newPage();
  await signIn(e2e, page, login, password, label);
  await e2e.shot(page, `${label}-result`);
  const heading = await page.getByRole('heading', { level: 1 }).innerText();
  const alert = (await page.getByRole('alert').count())
    ? (await page.getByRole('alert').first().innerText()).trim()
    : '';
  await page.context().close();
  return { heading, alert };
}

/** The server's authentication configuration, as `latchkey authcfg export` writes it. */
export async function exportAuthcfg(server) {
  const file = path.join(server.dir, `authcfg-export-${Date.now()}.toml`);
  await server.cli(['authcfg', 'export', file]);
  return readFile(file, 'utf8');
}

/** Replaces the server's authentication configuration with `text` (`latchkey authcfg import`). */
export async function importAuthcfg(server, text) {
  const file = path.join(server.dir, `authcfg-import-${Date.now()}.toml`);
  await writeFile(file, text);
  return server.cli(['authcfg', 'import', file]);
}
