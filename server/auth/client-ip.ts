// Where a request comes from: the first X-Forwarded-For hop set by our proxy, else X-Real-IP.

export function clientIp(headers: Headers): string | null {
  return headers.get("x-forwarded-for")?.split(",")[0]?.trim() || headers.get("x-real-ip") || null;
}
