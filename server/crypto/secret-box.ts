// Secrets at rest (kubeconfigs, webhook and API secrets): AES-256-GCM boxes tagged with the key that sealed them,
// so keys can rotate while old boxes still open. Format: v1.<keyId>.<iv b64url>.<tag b64url>.<ciphertext b64url>.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/** Keys by id; `current` seals new boxes, every key in `keys` can still open boxes it sealed. */
export type Keyring = { current: string; keys: Record<string, Buffer> };

/** Raised for a bad keyring, a malformed or tampered box, a missing key or a wrong purpose (AAD). Never contains key material. */
export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretBoxError";
  }
}

const VERSION = "v1";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** No dots (the box separator), colons or commas (the env format), so a key id always survives both formats. */
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const B64URL = /^[A-Za-z0-9_-]*$/;

function checkKeyring(keyring: Keyring): void {
  const key = keyring.keys[keyring.current];
  if (!key) throw new SecretBoxError(`the current key "${keyring.current}" is not in the keyring`);
  for (const [id, k] of Object.entries(keyring.keys)) {
    if (k.length !== KEY_BYTES) throw new SecretBoxError(`key "${id}" is ${k.length} bytes; AES-256-GCM needs ${KEY_BYTES}`);
  }
}

/** The authenticated data: the box header plus the caller's purpose, so neither can be swapped. */
function additionalData(keyId: string, aad: string | undefined): Buffer {
  return Buffer.from(`${VERSION}.${keyId}.${aad ?? ""}`, "utf8");
}

/** Strict base64url: rejects stray characters and non-canonical trailing bits, so every changed character is detected. */
function decodePart(part: string, what: string, bytes?: number): Buffer {
  const buf = Buffer.from(part, "base64url");
  if (!B64URL.test(part) || buf.toString("base64url") !== part) throw new SecretBoxError(`malformed secret box: ${what} is not base64url`);
  if (bytes !== undefined && buf.length !== bytes) throw new SecretBoxError(`malformed secret box: ${what} must be ${bytes} bytes`);
  return buf;
}

type ParsedBox = { keyId: string; iv: Buffer; tag: Buffer; ciphertext: Buffer };

function parseBox(box: string): ParsedBox {
  const parts = box.split(".");
  if (parts.length !== 5) throw new SecretBoxError("malformed secret box: expected v1.<keyId>.<iv>.<tag>.<ciphertext>");
  const [version, keyId, iv, tag, ciphertext] = parts as [string, string, string, string, string];
  if (version !== VERSION) throw new SecretBoxError(`unsupported secret box version "${version.slice(0, 8)}"`);
  if (!KEY_ID.test(keyId)) throw new SecretBoxError("malformed secret box: bad key id");
  return {
    keyId,
    iv: decodePart(iv, "iv", IV_BYTES),
    tag: decodePart(tag, "tag", TAG_BYTES),
    ciphertext: decodePart(ciphertext, "ciphertext"),
  };
}

/**
 * Seals `plaintext` with the keyring's current key. Pass the purpose of the secret as `aad`
 * (e.g. `cluster:<id>:kubeconfig`) so a box copied to another row or field fails to open there.
 */
export function encryptSecret(plaintext: string | Uint8Array, keyring: Keyring, aad?: string): string {
  checkKeyring(keyring);
  const keyId = keyring.current;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", keyring.keys[keyId]!, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(keyId, aad));
  const data = typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext;
  const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, keyId, iv.toString("base64url"), tag.toString("base64url"), ciphertext.toString("base64url")].join(".");
}

/** Opens a box as raw bytes; see decryptSecret. */
export function decryptSecretBytes(box: string, keyring: Keyring, aad?: string): Buffer {
  const parsed = parseBox(box);
  const key = keyring.keys[parsed.keyId];
  if (!key) {
    const known = Object.keys(keyring.keys).join(", ") || "none";
    throw new SecretBoxError(`cannot decrypt: the box was sealed with key "${parsed.keyId}", which is not in the keyring (keys: ${known})`);
  }
  if (key.length !== KEY_BYTES) throw new SecretBoxError(`key "${parsed.keyId}" is ${key.length} bytes; AES-256-GCM needs ${KEY_BYTES}`);
  const decipher = createDecipheriv("aes-256-gcm", key, parsed.iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(additionalData(parsed.keyId, aad));
  decipher.setAuthTag(parsed.tag);
  try {
    return Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]);
  } catch {
    throw new SecretBoxError("cannot decrypt: the box was tampered with, or it belongs to another purpose (AAD mismatch)");
  }
}

/**
 * Opens a box sealed by encryptSecret with the key id written in the box, so boxes sealed before a rotation
 * still open. Throws SecretBoxError when the key is missing, the box was altered or `aad` differs.
 */
export function decryptSecret(box: string, keyring: Keyring, aad?: string): string {
  return decryptSecretBytes(box, keyring, aad).toString("utf8");
}

/** Whether the box was sealed with a key other than the current one (re-seal it with reencryptSecret). */
export function needsReencryption(box: string, keyring: Keyring): boolean {
  return parseBox(box).keyId !== keyring.current;
}

/** Opens a box and seals it again with the current key (same purpose); returns the box unchanged when already current. */
export function reencryptSecret(box: string, keyring: Keyring, aad?: string): string {
  if (!needsReencryption(box, keyring)) return box;
  return encryptSecret(decryptSecretBytes(box, keyring, aad), keyring, aad);
}

/**
 * Parses `ENCRYPTION_KEYS`, e.g. `k2:<base64 of 32 bytes>,k1:<base64 of 32 bytes>`: the first key is current,
 * the others only open older boxes. Throws SecretBoxError naming the bad entry (never its value).
 */
export function parseKeyring(envValue: string): Keyring {
  const entries = envValue
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
  if (entries.length === 0) throw new SecretBoxError("no encryption keys: expected id:<base64 of 32 bytes>[,id:<base64>…]");
  const keys: Record<string, Buffer> = {};
  let current: string | undefined;
  entries.forEach((entry, index) => {
    const colon = entry.indexOf(":");
    if (colon < 0) throw new SecretBoxError(`encryption key #${index + 1} has no id: expected id:<base64 of 32 bytes>`);
    const id = entry.slice(0, colon).trim();
    const encoded = entry.slice(colon + 1).trim();
    if (!KEY_ID.test(id)) throw new SecretBoxError(`encryption key #${index + 1}: id "${id.slice(0, 64)}" must be 1–64 letters, digits, _ or -`);
    if (id in keys) throw new SecretBoxError(`encryption key "${id}" appears twice`);
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(encoded)) throw new SecretBoxError(`encryption key "${id}" is not base64`);
    const key = Buffer.from(encoded, encoded.includes("-") || encoded.includes("_") ? "base64url" : "base64");
    if (key.length !== KEY_BYTES) {
      throw new SecretBoxError(`encryption key "${id}" is ${key.length} bytes; AES-256-GCM needs ${KEY_BYTES} (generate one with: openssl rand -base64 32)`);
    }
    keys[id] = key;
    current ??= id;
  });
  return { current: current!, keys };
}
