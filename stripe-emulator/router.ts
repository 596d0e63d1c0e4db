// Route table for the REST API: `route("GET", "/v1/customers/:id", handler)`, matched by method and path.
import type { EmulatorContext } from "./context";
import type { FormObject } from "./form-decode";

export interface ApiRequest {
  ctx: EmulatorContext;
  method: string;
  path: string;
  params: FormObject;
  pathParams: Record<string, string>;
  expand: string[];
}

export type Handler = (req: ApiRequest) => unknown;

interface Route {
  method: string;
  re: RegExp;
  keys: string[];
  handler: Handler;
}

export class Router {
  private routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler): this {
    const keys: string[] = [];
    const re = new RegExp(
      `^${pattern.replace(/[.]/g, "\\.").replace(/:([a-z_]+)/g, (_m, k: string) => {
        keys.push(k);
        return "([^/]+)";
      })}/?$`,
    );
    this.routes.push({ method, re, keys, handler });
    return this;
  }

  match(method: string, path: string): { handler: Handler; pathParams: Record<string, string> } | undefined {
    for (const r of this.routes) {
      if (r.method !== method) continue;
      const m = r.re.exec(path);
      if (!m) continue;
      const pathParams: Record<string, string> = {};
      r.keys.forEach((k, i) => (pathParams[k] = decodeURIComponent(m[i + 1] ?? "")));
      return { handler: r.handler, pathParams };
    }
    return undefined;
  }
}
