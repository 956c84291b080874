// Mail for the browser tests: a real SMTP server on 127.0.0.1, a small MIME reader for what it
// receives, and the demo's outbox file.
//
// The SMTP server is Python's aiosmtpd (Debian package python3-aiosmtpd, run with Debian's
// /usr/bin/python3) with its Maildir handler, started exactly as latchkey-testkit's SmtpSink
// starts it: `python3 -m aiosmtpd -n -d -l 127.0.0.1:PORT -c aiosmtpd.handlers.Mailbox DIR`.
// Each accepted message becomes one file in DIR/new, with the envelope added by aiosmtpd as
// X-MailFrom and X-RcptTo headers. `parseMail` decodes those files: headers (RFC 2047 encoded
// words), multipart bodies (the first text/plain part), quoted-printable and base64.

import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { freePort } from './harness.js';

/** Debian's interpreter, the one python3-aiosmtpd installs into. */
const PYTHON = process.env.AIOSMTPD_PYTHON || '/usr/bin/python3';
const START_TIMEOUT_MS = 30_000;

/** Resolves true when 127.0.0.1:port accepts a connection and greets with 220. */
function greets(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = '';
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('data', (d) => {
      data += d;
      if (data.includes('\n')) {
        socket.write('QUIT\r\n');
        done(data.startsWith('220'));
      }
    });
  });
}

/**
 * Starts aiosmtpd on a free port of 127.0.0.1, keeping mail in `dir`/maildir. Resolves once it
 * greets. The handle reads what it received and stops it.
 */
export async function startSmtpSink(dir) {
  const maildir = path.join(dir, 'maildir');
  // aiosmtpd answers "500 FileNotFoundError" unless all three exist.
  for (const sub of ['tmp', 'new', 'cur']) await mkdir(path.join(maildir, sub), { recursive: true });
  let lastError;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const env = { ...process.env, PYTHONUNBUFFERED: '1' };
    delete env.PYTHONPATH;
    delete env.PYTHONHOME;
    const child = spawn(
      PYTHON,
      ['-m', 'aiosmtpd', '-n', '-d', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox', maildir],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let log = '';
    child.stdout.on('data', (d) => { log += d; });
    child.stderr.on('data', (d) => { log += d; });
    let ended = null;
    const exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => { ended = { code, signal }; resolve(ended); });
      child.on('error', (err) => { ended = { err }; resolve(ended); });
    });
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (ended === null && Date.now() < deadline) {
      if (await greets(port)) {
        process.once('exit', () => { if (ended === null) child.kill('SIGKILL'); });
        return sinkHandle(port, maildir, child, exited, () => ended, () => log);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (ended === null) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`aiosmtpd did not greet on port ${port} within ${START_TIMEOUT_MS} ms:\n${log}`);
    }
    if (ended.err || /No module named aiosmtpd/.test(log)) {
      throw new Error(
        `aiosmtpd cannot run (${PYTHON} -m aiosmtpd): ${ended.err?.message ?? log}\n` +
          'Install it: apt-get install python3-aiosmtpd',
      );
    }
    lastError = new Error(`aiosmtpd stopped before it greeted (exit ${ended.code}):\n${log}`);
    if (!/address|in use/i.test(log)) break;
  }
  throw lastError;
}

function sinkHandle(port, maildir, child, exited, ended, log) {
  const sink = {
    host: '127.0.0.1',
    port,
    maildir,
    log,
    /** Every message received so far, oldest first, decoded. */
    async messages() {
      const dir = path.join(maildir, 'new');
      const names = await readdir(dir);
      const files = await Promise.all(
        names.map(async (name) => {
          const file = path.join(dir, name);
          return { file, at: (await stat(file)).mtimeMs };
        }),
      );
      files.sort((a, b) => a.at - b.at || a.file.localeCompare(b.file));
      return Promise.all(files.map(async ({ file }) => parseMail(await readFile(file))));
    },
    /**
     * Waits for a message that `match` accepts among those received after the first `skip`;
     * fails with what did arrive.
     */
    async waitFor(match, { timeout = 15_000, skip = 0 } = {}) {
      const deadline = Date.now() + timeout;
      for (;;) {
        const all = await sink.messages();
        const found = all.slice(skip).find(match);
        if (found) return found;
        if (Date.now() >= deadline) {
          const seen = all.map((m) => `${m.envelopeTo.join(',')}: ${m.subject}`).join('\n  ');
          throw new Error(`no matching mail within ${timeout} ms; received:\n  ${seen || '(nothing)'}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      if (ended() === null) {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      }
    },
  };
  return sink;
}

// --- MIME -------------------------------------------------------------------------------------

/** Text in `charset` from raw bytes (a latin1 string holds one byte per character). */
function decodeBytes(bytes, charset = 'utf-8') {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'latin1');
  try {
    return new TextDecoder(charset.toLowerCase()).decode(buf);
  } catch {
    return buf.toString('utf8');
  }
}

/**
 * Quoted-printable to bytes (RFC 2045 §6.7): transport padding (white space at the end of a
 * line) dropped, soft line breaks removed, =XX decoded.
 */
export function decodeQuotedPrintable(text) {
  const joined = text.replace(/[ \t]+(?=\r?\n|$)/g, '').replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < joined.length; i += 1) {
    const c = joined[i];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(joined.slice(i + 1, i + 3))) {
      bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(c.charCodeAt(0) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** Decodes RFC 2047 encoded words (`=?utf-8?Q?…?=`, `=?utf-8?B?…?=`) in a header value. */
export function decodeHeader(value) {
  const word = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;
  // Whitespace between two encoded words is not part of the text.
  const squeezed = value.replace(/(\?=)\s+(=\?)/g, '$1$2');
  const out = squeezed.replace(word, (_, charset, enc, data) => {
    const bytes = enc.toUpperCase() === 'B'
      ? Buffer.from(data, 'base64')
      : decodeQuotedPrintable(data.replace(/_/g, ' '));
    return decodeBytes(bytes, charset);
  });
  return out === squeezed ? decodeBytes(value) : out;
}

/** Splits a header block into lower-case name → list of unfolded values. */
function parseHeaders(block) {
  const headers = new Map();
  const unfolded = block.replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const list = headers.get(name) ?? [];
    list.push(line.slice(colon + 1).trim());
    headers.set(name, list);
  }
  return headers;
}

/** A header's parameter (`boundary`, `charset`) from a value such as `text/plain; charset=utf-8`. */
function param(value, name) {
  const m = new RegExp(`;\\s*${name}\\s*=\\s*("([^"]*)"|[^;\\s]+)`, 'i').exec(value ?? '');
  return m ? (m[2] ?? m[1]) : undefined;
}

/** Splits raw bytes (latin1 string) into its header block and body. */
function splitEntity(raw) {
  const m = /\r?\n\r?\n/.exec(raw);
  return m ? [raw.slice(0, m.index), raw.slice(m.index + m[0].length)] : [raw, ''];
}

/** The decoded text of the first text/plain entity in `raw` (a latin1 string), or null. */
function plainText(raw) {
  const [head, body] = splitEntity(raw);
  const headers = parseHeaders(head);
  const type = headers.get('content-type')?.[0] ?? 'text/plain; charset=us-ascii';
  const mime = type.split(';')[0].trim().toLowerCase();
  if (mime.startsWith('multipart/')) {
    const boundary = param(type, 'boundary');
    if (!boundary) return null;
    const parts = body.split(new RegExp(`\\r?\\n?--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?[ \\t]*\\r?\\n?`));
    for (const part of parts.slice(1)) {
      if (part.trim() === '') continue;
      const text = plainText(part);
      if (text !== null) return text;
    }
    return null;
  }
  if (mime !== 'text/plain') return null;
  const cte = (headers.get('content-transfer-encoding')?.[0] ?? '7bit').toLowerCase();
  let bytes;
  if (cte === 'quoted-printable') bytes = decodeQuotedPrintable(body);
  else if (cte === 'base64') bytes = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  else bytes = Buffer.from(body, 'latin1');
  return decodeBytes(bytes, param(type, 'charset') ?? 'utf-8').replace(/\r\n/g, '\n');
}

/** The address in `Name <a@b>` or `a@b`. */
function addressOf(value) {
  const m = /<([^>]+)>/.exec(value);
  return (m ? m[1] : value).trim();
}

/**
 * Decodes one stored message (bytes). Returns from, to, envelopeTo (aiosmtpd's X-RcptTo),
 * subject, text (the plain body, `\n` line ends), headers (lower-case name → values) and raw.
 */
export function parseMail(bytes) {
  const raw = Buffer.isBuffer(bytes) ? bytes.toString('latin1') : bytes;
  const [head] = splitEntity(raw);
  const headers = parseHeaders(head);
  const first = (name) => headers.get(name)?.[0] ?? '';
  const list = (name) => first(name).split(',').map((a) => a.trim()).filter(Boolean);
  return {
    from: addressOf(decodeHeader(first('from'))),
    to: list('to').map((a) => addressOf(decodeHeader(a))),
    envelopeTo: list('x-rcptto'),
    subject: decodeHeader(first('subject')),
    text: plainText(raw) ?? '',
    headers,
    raw: decodeBytes(raw),
  };
}

// --- The demo's outbox --------------------------------------------------------------------------

/** The demo's outbox (DIR/outbox.jsonl): {at, to, subject, body_text, kind} objects, oldest first. */
export async function readOutbox(dir) {
  const text = await readFile(path.join(dir, 'outbox.jsonl'), 'utf8').catch(() => '');
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}

/** Waits for an outbox message that `match` accepts among those after the first `skip`. */
export async function waitForOutbox(dir, match, { timeout = 15_000, skip = 0 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const all = await readOutbox(dir);
    const found = all.slice(skip).find(match);
    if (found) return found;
    if (Date.now() >= deadline) {
      const seen = all.map((m) => `${m.to}: ${m.subject}`).join('\n  ');
      throw new Error(`no matching outbox message within ${timeout} ms; outbox:\n  ${seen || '(empty)'}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The one-time code in a "Your verification code" body ("your verification code is 123456"). */
export function codeIn(text) {
  const m = /verification code is (\S+)/.exec(text);
  if (!m) throw new Error(`no verification code in the mail:\n${text}`);
  return m[1];
}
