// Name validation (RFC 1123 / RFC 1035) and generated-name suffixes, as the API server does them.

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

export type NameRule = "subdomain" | "label" | "label1035";

/** Returns the validation messages for a name (empty when valid). */
export function validateName(name: string, rule: NameRule): string[] {
  const out: string[] = [];
  if (rule === "subdomain") {
    if (name.length > 253) out.push("must be no more than 253 characters");
    if (!SUBDOMAIN.test(name))
      out.push(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      );
  } else if (rule === "label") {
    if (name.length > 63) out.push("must be no more than 63 characters");
    if (!LABEL.test(name))
      out.push(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
      );
  } else {
    if (name.length > 63) out.push("must be no more than 63 characters");
    if (!LABEL1035.test(name))
      out.push(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      );
  }
  return out;
}

const SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

/** Five random characters from the alphabet the API server uses (no vowels, no confusable digits). */
export function randomSuffix(n = 5): string {
  let s = "";
  for (let i = 0; i < n; i++) s += SUFFIX_ALPHABET[Math.floor(Math.random() * SUFFIX_ALPHABET.length)];
  return s;
}

/** Deterministic short hash in the same alphabet (pod-template-hash, controller-revision-hash). */
export function safeHash(input: string, n = 10): string {
  // FNV-1a 64-bit over the input, rendered in the suffix alphabet.
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = (1n << 64n) - 1n;
  for (let i = 0; i < input.length; i++) {
    h ^= BigInt(input.charCodeAt(i));
    h = (h * prime) & mask;
  }
  let s = "";
  const base = BigInt(SUFFIX_ALPHABET.length);
  for (let i = 0; i < n; i++) {
    s += SUFFIX_ALPHABET[Number(h % base)];
    h /= base;
  }
  return s;
}
