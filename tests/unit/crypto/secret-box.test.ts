// Secrets at rest: AES-256-GCM boxes with key ids, tamper and purpose (AAD) checks, rotation and keyring parsing.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SecretBoxError, decryptSecret, encryptSecret, needsReencryption, parseKeyring, reencryptSecret, type Keyring } from "@/server/crypto/secret-box";

const k1 = Buffer.alloc(32, 1);
const k2 = Buffer.alloc(32, 2);
const keyring: Keyring = { current: "k1", keys: { k1 } };
const kubeconfig = "apiVersion: v1\nkind: Config\nclusters:\n- name: dev\n  cluster: { server: https://10.0.0.1:6443 }\nusers: [{ name: admin, user: { token: s3cr3t-ü } }]\n";
const purpose = "cluster:7f1c:kubeconfig";

describe("encryptSecret / decryptSecret", () => {
  it("round-trips text, including empty and non-ASCII, and never repeats a box", () => {
    const box = encryptSecret(kubeconfig, keyring, purpose);
    expect(box).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(box).not.toContain("s3cr3t");
    expect(decryptSecret(box, keyring, purpose)).toBe(kubeconfig);
    expect(encryptSecret(kubeconfig, keyring, purpose)).not.toBe(box);
    expect(decryptSecret(encryptSecret("", keyring), keyring)).toBe("");
  });

  it("detects any changed character of the box", () => {
    const box = encryptSecret("token-123", keyring, purpose);
    for (let i = 0; i < box.length; i++) {
      const replacement = box[i] === "A" ? "B" : "A";
      const tampered = box.slice(0, i) + replacement + box.slice(i + 1);
      expect(() => decryptSecret(tampered, keyring, purpose), `character ${i}`).toThrow(SecretBoxError);
    }
  });

  it("detects any flipped bit of the ciphertext, tag or iv", () => {
    const box = encryptSecret("token-123", keyring, purpose);
    const [v, id, iv, tag, ct] = box.split(".") as [string, string, string, string, string];
    const parts = { iv, tag, ct };
    for (const name of ["iv", "tag", "ct"] as const) {
      const bytes = Buffer.from(parts[name], "base64url");
      for (let i = 0; i < bytes.length; i++) {
        const flipped = Buffer.from(bytes);
        flipped[i] = flipped[i]! ^ 0x01;
        const next = { ...parts, [name]: flipped.toString("base64url") };
        expect(() => decryptSecret([v, id, next.iv, next.tag, next.ct].join("."), keyring, purpose), `${name}[${i}]`).toThrow(/tampered/);
      }
    }
  });

  it("refuses a box moved to another purpose (AAD mismatch) or opened without one", () => {
    const box = encryptSecret("token-123", keyring, purpose);
    expect(() => decryptSecret(box, keyring, "cluster:other:kubeconfig")).toThrow(/tampered with, or it belongs to another purpose/);
    expect(() => decryptSecret(box, keyring)).toThrow(SecretBoxError);
  });

  it("rejects malformed boxes with a clear error", () => {
    expect(() => decryptSecret("not a box", keyring)).toThrow(/expected v1\.<keyId>/);
    expect(() => decryptSecret("v2.k1.a.b.c", keyring)).toThrow(/unsupported secret box version "v2"/);
    expect(() => decryptSecret("v1.k1.AAAA.AAAA.AAAA", keyring)).toThrow(/iv must be 12 bytes/);
  });
});

describe("key rotation", () => {
  it("opens a box sealed with k1 after k2 becomes current, and says it needs re-encryption", () => {
    const old = encryptSecret(kubeconfig, keyring, purpose);
    const rotated: Keyring = { current: "k2", keys: { k2, k1 } };
    expect(needsReencryption(old, keyring)).toBe(false);
    expect(needsReencryption(old, rotated)).toBe(true);
    expect(decryptSecret(old, rotated, purpose)).toBe(kubeconfig);

    const fresh = reencryptSecret(old, rotated, purpose);
    expect(fresh.startsWith("v1.k2.")).toBe(true);
    expect(needsReencryption(fresh, rotated)).toBe(false);
    expect(decryptSecret(fresh, { current: "k2", keys: { k2 } }, purpose)).toBe(kubeconfig);
    expect(reencryptSecret(fresh, rotated, purpose)).toBe(fresh);
  });

  it("names the missing key id when the key that sealed a box is gone", () => {
    const old = encryptSecret("x", keyring);
    expect(() => decryptSecret(old, { current: "k2", keys: { k2 } })).toThrow('the box was sealed with key "k1", which is not in the keyring (keys: k2)');
  });

  it("does not open a box whose key id was swapped to another key in the ring", () => {
    const old = encryptSecret("x", keyring);
    const swapped = old.replace(/^v1\.k1\./, "v1.k2.");
    expect(() => decryptSecret(swapped, { current: "k2", keys: { k1, k2 } })).toThrow(/tampered/);
  });
});

describe("parseKeyring", () => {
  const b64 = (buf: Buffer) => buf.toString("base64");

  it("makes the first key current and keeps the others for old boxes", () => {
    const ring = parseKeyring(` k2:${b64(k2)} , k1:${b64(k1)} `);
    expect(ring.current).toBe("k2");
    expect(Object.keys(ring.keys)).toEqual(["k2", "k1"]);
    expect(ring.keys.k1!.equals(k1)).toBe(true);
    const urlSafe = randomBytes(32);
    expect(parseKeyring(`k3:${urlSafe.toString("base64url")}`).keys.k3!.equals(urlSafe)).toBe(true);
  });

  it("rejects bad keyrings with errors that name the entry, never the key", () => {
    const short = b64(randomBytes(16));
    expect(() => parseKeyring("")).toThrow(/no encryption keys/);
    expect(() => parseKeyring(b64(k1))).toThrow(/encryption key #1 has no id/);
    expect(() => parseKeyring(`k1:${short}`)).toThrow('encryption key "k1" is 16 bytes; AES-256-GCM needs 32');
    expect(() => parseKeyring(`k1:${b64(k1)},k1:${b64(k2)}`)).toThrow(/"k1" appears twice/);
    expect(() => parseKeyring(`bad.id:${b64(k1)}`)).toThrow(/id "bad.id" must be/);
    expect(() => parseKeyring("k1:not base64!")).toThrow(/"k1" is not base64/);
    try {
      parseKeyring(`k1:${short}`);
    } catch (err) {
      expect((err as Error).message).not.toContain(short);
    }
  });

  it("refuses to encrypt with a keyring whose current key is missing or of the wrong size", () => {
    expect(() => encryptSecret("x", { current: "k9", keys: { k1 } })).toThrow('the current key "k9" is not in the keyring');
    expect(() => encryptSecret("x", { current: "k1", keys: { k1: Buffer.alloc(16) } })).toThrow(/16 bytes/);
  });
});
