// TOTP codes computed in the test, as an authenticator app computes them: RFC 6238 over
// RFC 4226 HOTP with HMAC-SHA1, 6 digits, 30-second steps (Latchkey's defaults), from the
// base32 key the enrolment page shows. Only node:crypto, no npm package.

import { createHmac } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 (spaces, dashes and padding ignored, any case) to bytes. */
export function base32Decode(text) {
  const clean = text.toUpperCase().replace(/[\s=-]/g, '');
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of clean) {
    const v = ALPHABET.indexOf(c);
    if (v < 0) throw new Error(`not base32: ${JSON.stringify(c)} in ${JSON.stringify(text)}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 4226 HOTP value of `counter` (a step number) for `key` (bytes). */
export function hotp(key, counter, digits = 6) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return String(binary).padStart(digits, '0');
}

/** The step number of `ms` (a Date.now() value). */
export function stepAt(ms = Date.now(), stepSeconds = 30) {
  return Math.floor(ms / 1000 / stepSeconds);
}

/** The code for step `step` of the base32 `secret`. */
export function totpCode(secret, step = stepAt()) {
  return hotp(base32Decode(secret), step);
}
