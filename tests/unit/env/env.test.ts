// The environment module: defaults, and one error naming every bad variable.
import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "@/server/env";

const secret = "x".repeat(40);

describe("parseEnv", () => {
  it("fills defaults", () => {
    const env = parseEnv({ AUTH_SECRET: secret });
    expect(env.REDIS_URL).toBe("redis://127.0.0.1:6379");
    expect(env.REDIS_PREFIX).toBe("fp");
    expect(env.LOGIN_MAX_ATTEMPTS).toBe(5);
    expect(env.PLATFORM_ADMIN_EMAILS).toEqual([]);
    expect(env.SEED_DEMO).toBe(true);
  });

  it("names every bad variable in one message", () => {
    let error: unknown;
    try {
      parseEnv({ AUTH_SECRET: "short", DATABASE_URL: "not a url", PORT: "99999", PLATFORM_ADMIN_EMAILS: "a@b.co, nope" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EnvError);
    const message = (error as Error).message;
    for (const name of ["AUTH_SECRET", "DATABASE_URL", "PORT", "PLATFORM_ADMIN_EMAILS"]) expect(message).toContain(name);
  });

  it("requires the OIDC variables together", () => {
    expect(() => parseEnv({ AUTH_SECRET: secret, OIDC_ISSUER: "https://id.example.com" })).toThrow(/OIDC_ISSUER.*together/s);
    const env = parseEnv({ AUTH_SECRET: secret, OIDC_ISSUER: "https://id.example.com", OIDC_CLIENT_ID: "c", OIDC_CLIENT_SECRET: "s" });
    expect(env.OIDC_CLIENT_ID).toBe("c");
  });

  it("lower-cases and splits platform email lists", () => {
    expect(parseEnv({ AUTH_SECRET: secret, PLATFORM_ADMIN_EMAILS: " Ops@Example.com ,b@example.com" }).PLATFORM_ADMIN_EMAILS).toEqual(["ops@example.com", "b@example.com"]);
  });

  it("treats empty strings as unset", () => {
    expect(parseEnv({ AUTH_SECRET: secret, DATABASE_URL: "" }).DATABASE_URL).toBeUndefined();
  });
});
