// Where an instance answers: the load balancer address of its Service when it has one (kubesim gives every
// Service a loopback port), else the Service's in-cluster DNS name and port.
import type { KubeClients } from "@/server/k8s/kube-client";
import { isKubeNotFound } from "@/server/k8s/kube-status";

/** Annotation kubesim writes on a Service with the loopback port that serves it (kubesim/endpoints.ts PORT_ANNOTATION). */
export const KUBESIM_PORT_ANNOTATION = "kubesim.fleetplane.dev/port";

export type ServiceEndpoint = { host: string; port: number };

/**
 * The Service's endpoint: `status.loadBalancer.ingress[0]` (ip, else hostname) with the kubesim port annotation,
 * else the ingress's or the Service's first port; without a load balancer `<name>.<namespace>.svc` and the first
 * port. Null when the Service does not exist or has no port.
 */
export async function readServiceEndpoint(clients: Pick<KubeClients, "core">, ref: { namespace: string; name: string }): Promise<ServiceEndpoint | null> {
  let svc;
  try {
    svc = await clients.core.readNamespacedService({ name: ref.name, namespace: ref.namespace });
  } catch (err) {
    if (isKubeNotFound(err)) return null;
    throw err;
  }
  const servicePort = svc.spec?.ports?.[0]?.port;
  const ingress = svc.status?.loadBalancer?.ingress?.[0];
  const lbHost = ingress?.ip || ingress?.hostname;
  if (lbHost) {
    const annotated = Number(svc.metadata?.annotations?.[KUBESIM_PORT_ANNOTATION]);
    const port = Number.isInteger(annotated) && annotated > 0 ? annotated : (ingress?.ports?.[0]?.port ?? servicePort);
    if (port) return { host: lbHost, port };
  }
  if (!servicePort) return null;
  return { host: `${ref.name}.${ref.namespace}.svc`, port: servicePort };
}
