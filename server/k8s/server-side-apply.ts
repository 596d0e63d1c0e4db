// Server-side apply of any object, always with field manager `fleetplane` and force: the way Fleetplane changes
// clusters, so a retried step converges instead of failing. Objects travel as plain JSON: client-node 1.2–1.4's
// KubernetesObjectApi serializes through its typed models, which silently drops fields whose model name differs
// from the wire name (NetworkPolicy `ingress[].from` becomes `_from` and vanishes; kubernetes-client/javascript#2825).
import { ApiException, HttpMethod, KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from "@kubernetes/client-node";

/** The field manager every Fleetplane change is recorded under (metadata.managedFields). */
export const FIELD_MANAGER = "fleetplane";

/** KubernetesObjectApi (discovery kind → resource, auth, TLS) with an apply that sends and returns plain JSON. */
class PlainObjectApi extends KubernetesObjectApi {
  async applyPlain<T extends KubernetesObject>(obj: T, fieldManager: string): Promise<T> {
    // specUriPath fills in defaults (a missing namespace becomes the context's) on what it is given: use a copy.
    const path = await this.specUriPath(structuredClone(obj), "patch");
    const request = this.configuration.baseServer.makeRequestContext(path, HttpMethod.PATCH);
    request.setHeaderParam("Accept", "application/json");
    request.setHeaderParam("Content-Type", PatchStrategy.ServerSideApply);
    request.setQueryParam("fieldManager", fieldManager);
    request.setQueryParam("force", "true");
    request.setBody(JSON.stringify(obj));
    for (const auth of [this.configuration.authMethods.BearerToken, this.configuration.authMethods.default]) await auth?.applySecurityAuthentication(request);
    const response = await this.configuration.httpApi.send(request).toPromise();
    const text = await response.body.text();
    if (response.httpStatusCode < 200 || response.httpStatusCode > 299) throw new ApiException(response.httpStatusCode, "Unsuccessful HTTP Request", text, response.headers);
    return JSON.parse(text) as T;
  }
}

// One client per kubeconfig: it caches API discovery (kind → resource), which costs a request per group.
const objectApis = new WeakMap<KubeConfig, PlainObjectApi>();

/** The generic object client of a cluster (read, list, delete of any kind), built once per KubeConfig. */
export function objectApiFor(kc: KubeConfig): KubernetesObjectApi {
  return plainApiFor(kc);
}

function plainApiFor(kc: KubeConfig): PlainObjectApi {
  let api = objectApis.get(kc);
  if (!api) {
    api = kc.makeApiClient(PlainObjectApi);
    objectApis.set(kc, api);
  }
  return api;
}

/**
 * Applies `obj` by server-side apply (field manager `fleetplane`, force) and returns the object as stored, as
 * plain JSON. Creates it when missing; applying the same object again changes nothing (the resourceVersion stays).
 */
export async function serverSideApply<T extends KubernetesObject>(kc: KubeConfig, obj: T): Promise<T> {
  return plainApiFor(kc).applyPlain(obj, FIELD_MANAGER);
}
