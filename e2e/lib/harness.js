// The browser-test harness: one real `latchkey demo` server and one headless Chromium per test
// file, torn down after the file's tests whether they passed or not.
//
// Use it from a test file as
//
//   const e2e = useE2E('login');          // registers before/after hooks on the file
//   test('…', async () => { const page = await e2e.newPage(); … await e2e.shot(page, 'home'); });
//
// The server is the binary named by LATCHKEY_BIN (default target/debug/latchkey), started as
// `latchkey demo --dir TMP --listen 127.0.0.1:PORT` in a fresh temporary directory, so every file
// gets its own SQLite database, demo people and outbox. The browser is Debian's Chromium
// (CHROMIUM_BIN, default /usr/bin/chromium) driven by playwright-core; Playwright starts it with
// a new empty profile directory of its own each time. Screenshots go to
// target/e2e-screenshots/<test>/<n>-<name>.png, numbered in the order they were taken.
//
// `useE2E(name, { smtp: true })` adds a real SMTP server (aiosmtpd, lib/mail.js) for the file:
// the demo then only seeds the directory, and `latchkey serve` runs on the same database and
// master key with a generated latchkey.toml whose [smtp] section points at that server, so mail
// really goes over SMTP (`e2e.smtp.waitFor(…)` reads it). Every server also gets that
// latchkey.toml (without [smtp] in demo mode) for `server.cli([...])`, which runs the latchkey
// CLI — `authcfg export/import`, say — on the server's own database.

import { execFile, spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';
import { startSmtpSink } from './mail.js';

/** The repository root (this file is e2e/lib/harness.js). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where the screenshots of every test file go (a CI artefact). */
export const SHOTS = path.join(ROOT, 'target', 'e2e-screenshots');

/** How long the demo may take to seed its people (21 Argon2 hashes) and answer /healthz. */
const START_TIMEOUT_MS = 90_000;

/**
 * Chromium's flags. The machine's network is closed: without the background-networking flags
 * Chromium keeps trying to reach Google's hosts. CI runs as root, where the sandbox cannot start.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A free TCP port on 127.0.0.1 (the kernel picks it; the demo binds it right after). */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Reads the demo's credentials.txt: `login  password  name` lines, comments start with `#`.
 * The first person is the administrator. Passwords hold no spaces; names may.
 */
export function parseCredentials(text) {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => {
      const [login, password, ...name] = line.trim().split(/\s+/);
      return { login, password, name: name.join(' ') };
    });
}

/** The environment of a server or CLI run: no LATCHKEY_* setting but the log level. */
function latchkeyEnv() {
  // The demo ignores LATCHKEY_* settings (and says so); `serve` and the CLI would read them.
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('LATCHKEY_') || k === 'LATCHKEY_LOG'),
  );
}

/** The latchkey binary the tests run. */
function latchkeyBin() {
  return path.resolve(ROOT, process.env.LATCHKEY_BIN || 'target/debug/latchkey');
}

/**
 * Runs `latchkey ARGS` in `dir` and waits until it answers /healthz on a free port, which the
 * args get from `argsFor(listen)`. Retries on another port when the chosen one was taken first.
 * Resolves to { base, port, stop, log }.
 */
async function runUntilHealthy(what, dir, argsFor) {
  const bin = latchkeyBin();
  let lastError;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = spawn(bin, argsFor(`127.0.0.1:${port}`), {
      cwd: dir,
      env: latchkeyEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (d) => { log += d; });
    child.stderr.on('data', (d) => { log += d; });
    const exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }));
      child.on('error', (err) => resolve({ code: null, signal: null, err }));
    });
    let ended = null;
    exited.then((e) => { ended = e; });
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (ended === null && Date.now() < deadline) {
      try {
        const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
        if (res.ok) {
          // A test process that dies anyway must not leave the server behind.
          process.once('exit', () => { if (ended === null) child.kill('SIGKILL'); });
          return {
            base,
            port,
            log: () => log,
            async stop() {
              if (ended === null) {
                child.kill('SIGTERM');
                const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
                await exited;
                clearTimeout(killer);
              }
            },
          };
        }
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    if (ended === null) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`${what} did not answer /healthz within ${START_TIMEOUT_MS} ms:\n${log}`);
    }
    const why = ended.err ? ended.err.message : `exit ${ended.code} (signal ${ended.signal})`;
    lastError = new Error(`${what} (${bin}) stopped before it was healthy: ${why}\n${log}`);
    if (ended.err || !/address|in use|bind/i.test(log)) break;
  }
  throw lastError;
}

/** A TOML basic string. */
function tomlString(value) {
  return JSON.stringify(value);
}

/**
 * The latchkey.toml that points `latchkey serve` and the CLI at the demo's database and master
 * key in `dir`; with `smtp` ({host, port}), mail goes to that SMTP server (no TLS, no login:
 * it is a sink on this machine) instead of the demo's outbox file.
 */
function configFor(dir, smtp) {
  const lines = [
    `database_url = ${tomlString(`sqlite://${path.join(dir, 'latchkey.db')}?mode=rwc`)}`,
    '[keys]',
    `master_key_file = ${tomlString(path.join(dir, 'master.key'))}`,
  ];
  if (smtp) {
    lines.push(
      '[smtp]',
      `host = ${tomlString(smtp.host)}`,
      `port = ${smtp.port}`,
      'security = "none"',
      'from = "Latchkey <latchkey@example.org>"',
      'timeout_secs = 10',
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Starts `latchkey demo` on a free port in a new temporary directory; resolves once healthy.
 *
 * With `smtp` ({host, port} of an SMTP server), the demo only seeds the directory: once it is
 * healthy it is stopped, and `latchkey serve` runs on the same database and master key with a
 * generated DIR/latchkey.toml whose [smtp] section sends every mail to that server. (The demo
 * itself always writes mail to its outbox file.)
 *
 * The server handle: base, dir, people (login, password, name), admin, log(), stop(), and
 * cli(args), which runs the latchkey CLI on the same database.
 */
export async function startServer({ smtp } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'latchkey-e2e-'));
  let running;
  try {
    running = await runUntilHealthy('latchkey demo', dir, (listen) => ['demo', '--dir', dir, '--listen', listen]);
    const config = path.join(dir, 'latchkey.toml');
    await writeFile(config, configFor(dir, smtp), { mode: 0o600 });
    if (smtp) {
      await running.stop();
      running = await runUntilHealthy('latchkey serve', dir, (listen) => [
        '--config', config, 'serve', '--listen', listen,
      ]);
    }
    const people = parseCredentials(await readFile(path.join(dir, 'credentials.txt'), 'utf8'));
    return {
      base: running.base,
      dir,
      people,
      admin: people[0],
      log: running.log,
      /** Runs `latchkey --config DIR/latchkey.toml ARGS` in DIR; resolves to its stdout. */
      cli: (args) => runCli(['--config', config, ...args], dir),
      async stop() {
        await running.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (running) await running.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Runs the latchkey CLI; rejects with its output when it exits with a non-zero status. */
function runCli(args, cwd) {
  return new Promise((resolve, reject) => {
    execFile(latchkeyBin(), args, { cwd, env: latchkeyEnv(), timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`latchkey ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Launches Debian's Chromium headless. */
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_BIN || '/usr/bin/chromium',
    headless: true,
    chromiumSandbox: false,
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
}

/**
 * Registers the file's before/after hooks and returns the handle the tests use. `name` names
 * the screenshot folder. With `{ smtp: true }` a real SMTP server (aiosmtpd, see mail.js) runs
 * for the file and the server sends its mail there (`e2e.smtp` reads it); otherwise mail goes
 * to the demo's outbox file.
 */
export function useE2E(name, { smtp = false } = {}) {
  const shotDir = path.join(SHOTS, name);
  let shots = 0;
  let smtpDir = null;
  const e2e = {
    /** The running server: base, dir, people (login, password, name), admin. */
    server: null,
    /** The browser. */
    browser: null,
    /** The SMTP sink, with `{ smtp: true }`. */
    smtp: null,
    /** A new page in a new browser context (own cookies), with optional context options. */
    async newPage(options = {}) {
      const context = await e2e.browser.newContext({ baseURL: e2e.server.base, ...options });
      context.setDefaultTimeout(15_000);
      return context.newPage();
    },
    /** Saves a full-page screenshot as <n>-<label>.png; returns its path. */
    async shot(page, label) {
      shots += 1;
      const file = path.join(shotDir, `${String(shots).padStart(2, '0')}-${label}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    /** Goes to `url` and takes a screenshot; returns the response. */
    async visit(page, url, label) {
      const res = await page.goto(url);
      await e2e.shot(page, label);
      return res;
    },
    /** A demo person other than the administrator, by position (1 is the first). */
    person(n) {
      return e2e.server.people[n];
    },
  };

  before(async () => {
    await rm(shotDir, { recursive: true, force: true });
    await mkdir(shotDir, { recursive: true });
    if (smtp) {
      smtpDir = await mkdtemp(path.join(tmpdir(), 'latchkey-e2e-smtp-'));
      e2e.smtp = await startSmtpSink(smtpDir);
    }
    try {
      e2e.server = await startServer({ smtp: e2e.smtp });
      e2e.browser = await launchBrowser();
    } catch (err) {
      await Promise.allSettled([e2e.server?.stop(), e2e.smtp?.stop()]);
      throw err;
    }
  });

  after(async () => {
    // Both, whatever happened to the other or to the tests.
    const results = await Promise.allSettled([
      e2e.browser ? e2e.browser.close() : null,
      e2e.server ? e2e.server.stop() : null,
      e2e.smtp ? e2e.smtp.stop() : null,
    ]);
    if (smtpDir) await rm(smtpDir, { recursive: true, force: true });
    for (const r of results) {
      if (r.status === 'rejected') throw r.reason;
    }
  });

  return e2e;
}

/**
 * Submits the form of `button` and waits for the page it leads to. A page the server refused
 * (403 "Forbidden") fails at once with the server's words, rather than as a timeout later.
 */
export async function submit(page, button) {
  await button.click();
  await page.waitForLoadState();
  if ((await page.title()).startsWith('Forbidden')) {
    const why = await page.getByRole('alert').innerText().catch(() => '(no message)');
    throw new Error(`the server refused the form posted from ${page.url()}: ${why}`);
  }
}

/** The password input (not the "Password" choice of a chain choice page). */
export function passwordField(page) {
  return page.locator('input[type=password]');
}

/**
 * Signs in through the two-phase flow: the user ID page, then the password page. A person with
 * more than one way to sign in first gets the chain choice page: "Password" is picked there.
 * Takes a screenshot of each page; resolves on the page the flow ends on.
 */
export async function signIn(e2e, page, login, password, label = 'sign-in') {
  await e2e.visit(page, '/login', `${label}-user-id`);
  await page.getByLabel('User ID').fill(login);
  await submit(page, page.getByRole('button', { name: 'Continue' }));
  const choice = page.getByRole('radio', { name: 'Password', exact: true });
  await passwordField(page).or(choice).first().waitFor();
  if (await choice.count()) {
    await e2e.shot(page, `${label}-choice`);
    await choice.check();
    await submit(page, page.getByRole('button', { name: 'Continue' }));
  }
  await passwordField(page).waitFor();
  await e2e.shot(page, `${label}-password`);
  await passwordField(page).fill(password);
  await submit(page, page.getByRole('button', { name: 'Sign in' }));
}
