// /v1/events: list (type, types[], created) and retrieve; the same events the webhook endpoint receives.
import { matchesRange, newestFirst, paginate } from "../list";
import { optString, optStringArray } from "../params";
import type { Router } from "../router";
import { mustGet, respond, respondList } from "./util";

function typeMatches(pattern: string, type: string): boolean {
  return pattern.endsWith("*") ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

export function registerEvents(router: Router): void {
  router.add("GET", "/v1/events", (req) => {
    const type = optString(req.params, "type");
    const types = optStringArray(req.params, "types");
    const items = newestFirst(req.ctx.store.events).filter(
      (e) =>
        (!type || typeMatches(type, e.type)) &&
        (!types || types.some((t) => typeMatches(t, e.type))) &&
        matchesRange(e.created, req.params, "created"),
    );
    return respondList(req, paginate(items, req.params, "/v1/events"));
  });
  router.add("GET", "/v1/events/:id", (req) => respond(req, mustGet(req.ctx.store.events, req.pathParams.id ?? "", "event")));
}
