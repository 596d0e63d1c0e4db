// Defaulting, validation and ResourceQuota admission: what the API server does to an object before
// storing it, per kind.
import { ApiError, errors, type StatusCause } from "./errors";
import { R, type ResourceDef } from "./resources";
import { labelSelectorMatcher } from "./selectors";
import type { Store } from "./store";
import type { KObject, Loose } from "./types";
import { deepEqual, isPlainObject } from "./util/json";
import { validateName, type NameRule } from "./util/names";
import { isPodTerminal, podAmounts, qosClass } from "./util/pods";
import { formatForResource, isValidQuantity, parseQuantity } from "./util/quantity";

export function nameRule(res: ResourceDef): NameRule {
  if (res === R.namespaces) return "label";
  if (res === R.services) return "label1035";
  return "subdomain";
}

function defaultContainer(c: Loose): void {
  if (!c || typeof c !== "object") return;
  if (c.image && !c.imagePullPolicy) {
    const tag = /:([^/:@]+)$/.exec(c.image)?.[1];
    c.imagePullPolicy = !tag || tag === "latest" ? "Always" : "IfNotPresent";
  }
  c.terminationMessagePath ??= "/dev/termination-log";
  c.terminationMessagePolicy ??= "File";
  c.resources ??= {};
  for (const p of c.ports ?? []) p.protocol ??= "TCP";
}

export function defaultPodSpec(spec: Loose): void {
  if (!spec || typeof spec !== "object") return;
  spec.restartPolicy ??= "Always";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= "ClusterFirst";
  spec.securityContext ??= {};
  spec.schedulerName ??= "default-scheduler";
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
}

function validateContainers(spec: Loose, prefix: string, causes: StatusCause[]): void {
  const containers = spec?.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    causes.push({ reason: "FieldValueRequired", message: "Required value", field: `${prefix}.containers` });
    return;
  }
  const seen = new Set<string>();
  containers.forEach((c: Loose, i: number) => {
    const f = `${prefix}.containers[${i}]`;
    if (!c?.name) causes.push({ reason: "FieldValueRequired", message: "Required value", field: `${f}.name` });
    else {
      for (const m of validateName(c.name, "label")) causes.push({ reason: "FieldValueInvalid", message: `Invalid value: "${c.name}": ${m}`, field: `${f}.name` });
      if (seen.has(c.name)) causes.push({ reason: "FieldValueDuplicate", message: `Duplicate value: "${c.name}"`, field: `${f}.name` });
      seen.add(c.name);
    }
    if (!c?.image) causes.push({ reason: "FieldValueRequired", message: "Required value", field: `${f}.image` });
    for (const kind of ["requests", "limits"]) {
      for (const [k, v] of Object.entries((c?.resources?.[kind] ?? {}) as Record<string, unknown>)) {
        if (!isValidQuantity(v)) causes.push({ reason: "FieldValueInvalid", message: `Invalid value: "${String(v)}": must be a valid quantity`, field: `${f}.resources.${kind}[${k}]` });
      }
    }
  });
}

function validateWorkload(obj: KObject, old: KObject | undefined, causes: StatusCause[]): void {
  const spec = obj.spec ?? {};
  if (!spec.selector) {
    causes.push({ reason: "FieldValueRequired", message: "Required value", field: "spec.selector" });
  } else {
    const labels = spec.template?.metadata?.labels ?? {};
    if (!labelSelectorMatcher(spec.selector)(labels)) {
      causes.push({
        reason: "FieldValueInvalid",
        message: `Invalid value: map[string]string{${Object.entries(labels).map(([k, v]) => `"${k}":"${String(v)}"`).join(", ")}}: \`selector\` does not match template \`labels\``,
        field: "spec.template.metadata.labels",
      });
    }
    if (old && old.spec?.selector && !deepEqual(old.spec.selector, spec.selector)) {
      causes.push({ reason: "FieldValueInvalid", message: "Invalid value: field is immutable", field: "spec.selector" });
    }
  }
  if (spec.replicas !== undefined && (typeof spec.replicas !== "number" || spec.replicas < 0)) {
    causes.push({ reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(spec.replicas)}: must be greater than or equal to 0`, field: "spec.replicas" });
  }
  validateContainers(spec.template?.spec, "spec.template.spec", causes);
}

const SNAPSHOT_SOURCES = ["persistentVolumeClaimName", "volumeSnapshotContentName"] as const;

/** The schema and CEL rules of the external-snapshotter VolumeSnapshot CRD (source set once, exactly one of two). */
function validateVolumeSnapshot(obj: KObject, old: KObject | undefined, causes: StatusCause[]): void {
  const spec = obj.spec;
  if (!isPlainObject(spec)) {
    causes.push({ reason: "FieldValueRequired", message: "Required value", field: "spec" });
    return;
  }
  if (spec.volumeSnapshotClassName !== undefined && (typeof spec.volumeSnapshotClassName !== "string" || spec.volumeSnapshotClassName === ""))
    causes.push({ reason: "FieldValueInvalid", message: 'Invalid value: "string": volumeSnapshotClassName must not be the empty string when set', field: "spec.volumeSnapshotClassName" });
  const src = spec.source;
  if (!isPlainObject(src)) {
    causes.push({ reason: "FieldValueRequired", message: "Required value", field: "spec.source" });
    return;
  }
  for (const k of SNAPSHOT_SOURCES) {
    const v = src[k];
    if (v !== undefined && typeof v !== "string") {
      const t = Number.isInteger(v) ? "integer" : Array.isArray(v) ? "array" : v === null ? "null" : typeof v;
      causes.push({ reason: "FieldValueTypeInvalid", message: `Invalid value: "${t}": spec.source.${k} in body must be of type string: "${t}"`, field: `spec.source.${k}` });
    }
  }
  if ((src.persistentVolumeClaimName === undefined) === (src.volumeSnapshotContentName === undefined))
    causes.push({ reason: "FieldValueInvalid", message: 'Invalid value: "object": exactly one of volumeSnapshotContentName and persistentVolumeClaimName must be set', field: "spec.source" });
  const oldSrc = old?.spec?.source ?? {};
  for (const k of SNAPSHOT_SOURCES) {
    if (oldSrc[k] === undefined) continue;
    if (src[k] === undefined) causes.push({ reason: "FieldValueInvalid", message: `Invalid value: "object": ${k} is required once set`, field: "spec.source" });
    else if (src[k] !== oldSrc[k]) causes.push({ reason: "FieldValueInvalid", message: `Invalid value: "string": ${k} is immutable`, field: `spec.source.${k}` });
  }
}

/** Cluster-wide allocators the defaults need (service IPs and node ports). */
export class Allocators {
  private nextIp = 10;
  private nextNodePort = 30000;
  serviceIp(): string {
    const n = this.nextIp++;
    return `10.96.${Math.floor(n / 250) % 250}.${(n % 250) + 1}`;
  }
  nodePort(): number {
    const p = this.nextNodePort++;
    if (this.nextNodePort > 32767) this.nextNodePort = 30000;
    return p;
  }
}

export class Admission {
  constructor(
    private readonly store: Store,
    private readonly alloc: Allocators,
  ) {}

  /** Fills defaults in place; `old` is the stored object on updates. */
  applyDefaults(res: ResourceDef, obj: KObject, old: KObject | undefined): void {
    switch (res) {
      case R.namespaces:
        obj.metadata.labels = { ...(obj.metadata.labels ?? {}), "kubernetes.io/metadata.name": obj.metadata.name! };
        obj.spec = { finalizers: ["kubernetes"], ...(obj.spec ?? {}) };
        obj.status ??= { phase: "Active" };
        break;
      case R.pods:
        obj.spec ??= {};
        defaultPodSpec(obj.spec);
        obj.spec.serviceAccountName ??= "default";
        obj.spec.serviceAccount ??= obj.spec.serviceAccountName;
        obj.spec.enableServiceLinks ??= true;
        obj.spec.preemptionPolicy ??= "PreemptLowerPriority";
        obj.spec.priority ??= 0;
        if (!old) {
          const tol: Loose[] = obj.spec.tolerations ?? [];
          for (const key of ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]) {
            if (!tol.some((t) => t.key === key && (t.effect === "NoExecute" || !t.effect)))
              tol.push({ key, operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 });
          }
          obj.spec.tolerations = tol;
        }
        obj.status ??= {};
        obj.status.phase ??= "Pending";
        obj.status.qosClass ??= qosClass(obj.spec);
        break;
      case R.services: {
        obj.spec ??= {};
        const s = obj.spec;
        s.type ??= "ClusterIP";
        if (old?.spec?.clusterIP && !s.clusterIP) s.clusterIP = old.spec.clusterIP;
        if (!s.clusterIP) s.clusterIP = this.alloc.serviceIp();
        s.clusterIPs ??= [s.clusterIP];
        if (s.clusterIP !== "None") {
          s.ipFamilies ??= ["IPv4"];
          s.ipFamilyPolicy ??= "SingleStack";
        }
        s.sessionAffinity ??= "None";
        s.internalTrafficPolicy ??= "Cluster";
        const oldPorts: Loose[] = old?.spec?.ports ?? [];
        for (const p of s.ports ?? []) {
          p.protocol ??= "TCP";
          p.targetPort ??= p.port;
          if (s.type === "NodePort" || s.type === "LoadBalancer") {
            p.nodePort ??= oldPorts.find((o) => o.port === p.port)?.nodePort ?? this.alloc.nodePort();
          }
        }
        if (s.type === "LoadBalancer") {
          s.externalTrafficPolicy ??= "Cluster";
          s.allocateLoadBalancerNodePorts ??= true;
        }
        obj.status ??= { loadBalancer: {} };
        break;
      }
      case R.deployments: {
        const s = (obj.spec ??= {});
        s.replicas ??= 1;
        s.revisionHistoryLimit ??= 10;
        s.progressDeadlineSeconds ??= 600;
        s.strategy ??= { type: "RollingUpdate" };
        if (s.strategy.type === undefined) s.strategy.type = "RollingUpdate";
        if (s.strategy.type === "RollingUpdate") {
          s.strategy.rollingUpdate ??= {};
          s.strategy.rollingUpdate.maxSurge ??= "25%";
          s.strategy.rollingUpdate.maxUnavailable ??= "25%";
        }
        s.template ??= {};
        defaultPodSpec(s.template.spec);
        break;
      }
      case R.replicasets:
        obj.spec ??= {};
        obj.spec.replicas ??= 1;
        defaultPodSpec(obj.spec.template?.spec);
        break;
      case R.statefulsets: {
        const s = (obj.spec ??= {});
        s.replicas ??= 1;
        s.podManagementPolicy ??= "OrderedReady";
        s.updateStrategy ??= { type: "RollingUpdate", rollingUpdate: { partition: 0 } };
        s.revisionHistoryLimit ??= 10;
        s.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: "Retain", whenScaled: "Retain" };
        for (const t of s.volumeClaimTemplates ?? []) {
          t.apiVersion ??= "v1";
          t.kind ??= "PersistentVolumeClaim";
          t.spec ??= {};
          t.spec.volumeMode ??= "Filesystem";
        }
        defaultPodSpec(s.template?.spec);
        break;
      }
      case R.pvcs:
        obj.spec ??= {};
        obj.spec.volumeMode ??= "Filesystem";
        obj.spec.storageClassName ??= "standard";
        obj.status ??= { phase: "Pending" };
        break;
      case R.secrets:
        obj.type ??= "Opaque";
        if (obj.stringData && typeof obj.stringData === "object") {
          obj.data = { ...(obj.data ?? {}) };
          for (const [k, v] of Object.entries(obj.stringData as Record<string, string>)) obj.data[k] = Buffer.from(String(v)).toString("base64");
          delete obj.stringData;
        }
        break;
      case R.events:
        obj.count ??= 1;
        obj.type ??= "Normal";
        break;
      default:
        break;
    }
  }

  /** Throws 422 Invalid with the causes the API server would give. */
  validate(res: ResourceDef, obj: KObject, old: KObject | undefined): void {
    const name = obj.metadata.name ?? "";
    const causes: StatusCause[] = [];
    if (!old) {
      for (const m of validateName(name, nameRule(res)))
        causes.push({ reason: "FieldValueInvalid", message: `Invalid value: "${name}": ${m}`, field: "metadata.name" });
    }
    for (const [k, v] of Object.entries(obj.metadata.labels ?? {})) {
      if (typeof v !== "string" || v.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v))
        causes.push({
          reason: "FieldValueInvalid",
          message: `Invalid value: "${String(v)}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
          field: `metadata.labels`,
        });
      if (!/^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(k))
        causes.push({ reason: "FieldValueInvalid", message: `Invalid value: "${k}": name part must consist of alphanumeric characters, '-', '_' or '.'`, field: "metadata.labels" });
    }
    switch (res) {
      case R.pods:
        validateContainers(obj.spec, "spec", causes);
        if (old && old.spec?.nodeName && obj.spec?.nodeName !== old.spec.nodeName)
          causes.push({ reason: "FieldValueForbidden", message: "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)", field: "spec" });
        break;
      case R.deployments:
      case R.replicasets:
      case R.statefulsets:
        validateWorkload(obj, old, causes);
        break;
      case R.services: {
        const s = obj.spec ?? {};
        if (s.clusterIP !== "None" && (!Array.isArray(s.ports) || s.ports.length === 0) && s.type !== "ExternalName")
          causes.push({ reason: "FieldValueRequired", message: "Required value", field: "spec.ports" });
        (s.ports ?? []).forEach((p: Loose, i: number) => {
          if (typeof p.port !== "number" || p.port < 1 || p.port > 65535)
            causes.push({ reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(p.port)}: must be between 1 and 65535, inclusive`, field: `spec.ports[${i}].port` });
        });
        if (old?.spec?.clusterIP && s.clusterIP !== old.spec.clusterIP)
          causes.push({ reason: "FieldValueInvalid", message: `Invalid value: "${String(s.clusterIP)}": field is immutable`, field: "spec.clusterIPs[0]" });
        break;
      }
      case R.pvcs:
        if (!obj.spec?.resources?.requests?.storage)
          causes.push({ reason: "FieldValueRequired", message: "Required value", field: "spec.resources[storage]" });
        if (!Array.isArray(obj.spec?.accessModes) || obj.spec.accessModes.length === 0)
          causes.push({ reason: "FieldValueRequired", message: "at least 1 access mode is required", field: "spec.accessModes" });
        break;
      case R.volumesnapshots:
        validateVolumeSnapshot(obj, old, causes);
        break;
      case R.configmaps:
      case R.secrets:
        for (const k of Object.keys(obj.data ?? {}))
          if (!/^[-._a-zA-Z0-9]+$/.test(k))
            causes.push({ reason: "FieldValueInvalid", message: `Invalid value: "${k}": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`, field: "data" });
        break;
      default:
        break;
    }
    if (causes.length) throw errors.invalid(res, name, causes);
  }

  /** ResourceQuota admission for creates: 403 "exceeded quota" when a hard limit would be passed. */
  checkQuota(res: ResourceDef, obj: KObject): void {
    const ns = obj.metadata.namespace;
    if (!ns) return;
    const quotas = this.store.list(R.quotas, ns);
    if (quotas.length === 0) return;
    for (const q of quotas) {
      const hard: Record<string, string> = q.spec?.hard ?? {};
      const requested: string[] = [];
      const used: string[] = [];
      const limited: string[] = [];
      const missing: string[] = [];
      for (const [key, limitStr] of Object.entries(hard)) {
        const delta = quotaDelta(key, res, obj);
        if (delta === undefined) continue;
        if (delta === "missing") {
          missing.push(key);
          continue;
        }
        if (delta === 0) continue;
        const current = quotaUsage(this.store, key, ns);
        const limit = parseQuantity(limitStr);
        if (current + delta > limit + 1e-9) {
          requested.push(`${key}=${formatForResource(key, delta)}`);
          used.push(`${key}=${formatForResource(key, current)}`);
          limited.push(`${key}=${limitStr}`);
        }
      }
      if (missing.length) {
        const names = (obj.spec?.containers ?? []).map((c: Loose) => c.name).join(",");
        throw errors.forbidden(res, obj.metadata.name ?? "", `failed quota: ${q.metadata.name}: must specify ${missing.sort().map((m) => `${m} for: ${names}`).join("; ")}`);
      }
      if (requested.length) {
        throw errors.forbidden(
          res,
          obj.metadata.name ?? "",
          `exceeded quota: ${q.metadata.name}, requested: ${requested.join(",")}, used: ${used.join(",")}, limited: ${limited.join(",")}`,
        );
      }
    }
  }
}

const COUNTED: Record<string, ResourceDef> = {
  pods: R.pods,
  services: R.services,
  configmaps: R.configmaps,
  secrets: R.secrets,
  persistentvolumeclaims: R.pvcs,
  resourcequotas: R.quotas,
};

function countKeyResource(key: string): ResourceDef | undefined {
  if (COUNTED[key]) return COUNTED[key];
  if (key.startsWith("count/")) {
    const name = key.slice(6);
    for (const r of Object.values(R)) if (r.key === name) return r;
  }
  return undefined;
}

/** How much an object adds to one quota key; "missing" when the quota needs a request it lacks. */
export function quotaDelta(key: string, res: ResourceDef, obj: KObject): number | "missing" | undefined {
  const counted = countKeyResource(key);
  if (counted) return counted === res ? 1 : undefined;
  if (res === R.pods) {
    if (isPodTerminal(obj)) return 0;
    const m = /^(requests\.|limits\.)?(cpu|memory)$/.exec(key);
    if (!m) return undefined;
    const kind = m[1] === "limits." ? "limits" : "requests";
    const resource = m[2] as "cpu" | "memory";
    const containers: Loose[] = obj.spec?.containers ?? [];
    for (const c of containers) {
      const r = c.resources ?? {};
      const has = kind === "limits" ? r.limits?.[resource] !== undefined : r.requests?.[resource] !== undefined || r.limits?.[resource] !== undefined;
      if (!has) return "missing";
    }
    const a = podAmounts(obj, kind);
    return resource === "cpu" ? a.cpu / 1000 : a.memory;
  }
  if (res === R.pvcs && key === "requests.storage") return parseQuantity(obj.spec?.resources?.requests?.storage);
  return undefined;
}

export function quotaUsage(store: Store, key: string, ns: string): number {
  const counted = countKeyResource(key);
  if (counted === R.pods) return store.list(R.pods, ns).filter((p) => !isPodTerminal(p)).length;
  if (counted) return store.count(counted, ns);
  if (key === "requests.storage") return store.list(R.pvcs, ns).reduce((s, p) => s + parseQuantity(p.spec?.resources?.requests?.storage), 0);
  const m = /^(requests\.|limits\.)?(cpu|memory)$/.exec(key);
  if (!m) return 0;
  const kind = m[1] === "limits." ? "limits" : "requests";
  let sum = 0;
  for (const p of store.list(R.pods, ns)) {
    if (isPodTerminal(p)) continue;
    const a = podAmounts(p, kind);
    sum += m[2] === "cpu" ? a.cpu / 1000 : a.memory;
  }
  return sum;
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}
