// The API semantics on top of the store: create/update/patch/delete with names, resourceVersions,
// generations, status subresources, finalizers, dry runs, managedFields and admission.
import { randomUUID } from "node:crypto";
import { Admission } from "./admission";
import { ApiError, errors } from "./errors";
import { applyJsonPatch } from "./patch/json-patch";
import { applyMergePatch } from "./patch/merge-patch";
import { applyStrategicMergePatch } from "./patch/strategic-merge";
import { ApplyConflictError, applyToLive, changedFields, fieldsOf, upsertManagedFields } from "./patch/apply";
import { R, type ResourceDef } from "./resources";
import { labelSelectorString } from "./selectors";
import type { Store } from "./store";
import type { KObject, Loose } from "./types";
import { clone, deepEqual, isPlainObject, nowIso } from "./util/json";
import { randomSuffix } from "./util/names";

export type PropagationPolicy = "Orphan" | "Background" | "Foreground";

export interface WriteOptions {
  dryRun?: boolean;
  fieldManager?: string;
  /** Writes by simulated controllers: keep status on create, skip quota for nothing else. */
  internal?: boolean;
  subresource?: "status" | "scale";
  /** What the manager's Update entry records (the patch body for patches); defaults to the body. */
  fieldsBody?: Loose;
  /** managedFields to store as given (apply computes them itself). */
  managedFields?: Loose[];
}

export interface DeleteOptions {
  propagationPolicy?: PropagationPolicy;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}

export type PatchType = "json" | "merge" | "strategic" | "apply";

// Custom resources (VolumeSnapshot) always carry a generation too.
const WITH_GENERATION = new Set([R.deployments, R.replicasets, R.statefulsets, R.networkpolicies, R.volumesnapshots]);

export class ObjectService {
  /** Propagation policy chosen for each uid being deleted, read by the garbage collector. */
  readonly deletePolicies = new Map<string, PropagationPolicy>();

  constructor(
    readonly store: Store,
    readonly admission: Admission,
  ) {}

  get(res: ResourceDef, ns: string | undefined, name: string): KObject {
    const o = this.store.get(res, res.namespaced ? ns : undefined, name);
    if (!o) throw errors.notFound(res, name);
    return o;
  }

  tryGet(res: ResourceDef, ns: string | undefined, name: string): KObject | undefined {
    return this.store.get(res, res.namespaced ? ns : undefined, name);
  }

  private checkNamespace(res: ResourceDef, ns: string | undefined, name: string): void {
    if (!res.namespaced) return;
    if (!ns) throw errors.badRequest("the server could not find the requested resource");
    const nsObj = this.store.get(R.namespaces, undefined, ns);
    if (!nsObj) throw errors.namespaceNotFound(ns);
    if (nsObj.metadata.deletionTimestamp)
      throw errors.forbidden(res, name, `unable to create new content in namespace ${ns} because it is being terminated`);
  }

  create(res: ResourceDef, ns: string | undefined, body: Loose, opts: WriteOptions = {}): KObject {
    if (!isPlainObject(body)) throw errors.badRequest("the body of the request was not a JSON object");
    // Controllers hand over freshly built objects; only their metadata is copied before stamping.
    const obj = (opts.internal ? { ...body, metadata: { ...(body.metadata ?? {}) } } : clone(body)) as KObject;
    obj.metadata = isPlainObject(obj.metadata) ? obj.metadata : {};
    obj.apiVersion = res.groupVersion;
    obj.kind = res.kind;
    if (res.namespaced) {
      if (obj.metadata.namespace && ns && obj.metadata.namespace !== ns)
        throw errors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
      obj.metadata.namespace = ns ?? obj.metadata.namespace;
    } else delete obj.metadata.namespace;
    const nsName = obj.metadata.namespace;
    if (!obj.metadata.name) {
      if (obj.metadata.generateName) {
        let n = 0;
        do obj.metadata.name = obj.metadata.generateName + randomSuffix();
        while (this.store.get(res, nsName, obj.metadata.name) && ++n < 8);
      } else {
        throw errors.invalid(res, "", [{ reason: "FieldValueRequired", message: "Required value: name or generateName is required", field: "metadata.name" }]);
      }
    }
    const name = obj.metadata.name;
    this.checkNamespace(res, nsName, name);
    for (const k of ["uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "selfLink"] as const)
      delete obj.metadata[k];
    if (!opts.internal && res.subresources.includes("status") && res !== R.namespaces) delete obj.status;
    if (!opts.internal || !obj.metadata.managedFields) delete obj.metadata.managedFields;
    this.admission.applyDefaults(res, obj, undefined);
    this.admission.validate(res, obj, undefined);
    if (this.store.get(res, nsName, name)) throw errors.alreadyExists(res, name);
    if (!opts.internal || res === R.pods) this.admission.checkQuota(res, obj);
    obj.metadata.uid = randomUUID();
    obj.metadata.creationTimestamp = nowIso();
    if (WITH_GENERATION.has(res)) obj.metadata.generation = 1;
    if (opts.managedFields) obj.metadata.managedFields = opts.managedFields;
    else if (opts.fieldManager && !opts.internal) {
      obj.metadata.managedFields = upsertManagedFields(undefined, opts.fieldManager, "Update", res.groupVersion, fieldsOf(opts.fieldsBody ?? body), false);
    }
    if (opts.dryRun) return obj;
    return this.store.put(res, obj);
  }

  /**
   * Replaces an object (PUT, and the tail of every patch). `expectedRv` is the resourceVersion the
   * caller based its change on; a mismatch is a 409 Conflict.
   */
  update(res: ResourceDef, ns: string | undefined, name: string, body: Loose, opts: WriteOptions = {}): KObject {
    if (!isPlainObject(body)) throw errors.badRequest("the body of the request was not a JSON object");
    const nsKey = res.namespaced ? ns : undefined;
    const old = this.store.get(res, nsKey, name);
    if (!old) throw errors.notFound(res, name);
    const incoming = (opts.internal ? { ...body, metadata: { ...(body.metadata ?? {}) } } : clone(body)) as KObject;
    incoming.metadata = isPlainObject(incoming.metadata) ? incoming.metadata : {};
    if (incoming.metadata.name !== undefined && incoming.metadata.name !== name)
      throw errors.badRequest(`the name of the object (${incoming.metadata.name}) does not match the name on the URL (${name})`);
    if (incoming.metadata.resourceVersion && incoming.metadata.resourceVersion !== old.metadata.resourceVersion)
      throw errors.conflict(res, name);
    let obj: KObject;
    if (opts.subresource === "status") {
      obj = { ...old, metadata: { ...old.metadata }, status: incoming.status };
    } else {
      obj = incoming;
      if (res.subresources.includes("status") && !opts.internal) obj.status = clone(old.status);
      obj.metadata.managedFields ??= old.metadata.managedFields;
    }
    obj.apiVersion = res.groupVersion;
    obj.kind = res.kind;
    const m = obj.metadata;
    m.name = name;
    if (res.namespaced) m.namespace = ns;
    else delete m.namespace;
    m.uid = old.metadata.uid;
    m.creationTimestamp = old.metadata.creationTimestamp;
    if (old.metadata.deletionTimestamp) {
      m.deletionTimestamp = old.metadata.deletionTimestamp;
      if (old.metadata.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
    } else {
      delete m.deletionTimestamp;
      delete m.deletionGracePeriodSeconds;
    }
    if (old.metadata.generation !== undefined) {
      m.generation = deepEqual(old.spec, obj.spec) ? old.metadata.generation : old.metadata.generation + 1;
    }
    if (opts.subresource !== "status") {
      this.admission.applyDefaults(res, obj, old);
      this.admission.validate(res, obj, old);
    }
    if (opts.fieldManager && !opts.internal) {
      // Like the API server, an Update operation owns the fields it changed.
      const tree = opts.fieldsBody !== undefined ? fieldsOf(opts.fieldsBody) : changedFields(old, obj);
      m.managedFields = upsertManagedFields(m.managedFields, opts.fieldManager, "Update", res.groupVersion, tree, false, opts.subresource);
    }
    m.resourceVersion = old.metadata.resourceVersion;
    if (deepEqual(stripVolatile(obj), stripVolatile(old))) return old;
    if (opts.dryRun) return obj;
    if (m.deletionTimestamp && (m.finalizers?.length ?? 0) === 0 && res !== R.namespaces && !(res === R.pods && old.metadata.deletionGracePeriodSeconds)) {
      return this.store.remove(res, nsKey, name) ?? obj;
    }
    return this.store.put(res, obj);
  }

  /** Applies a patch of the given type; returns the object and whether apply created it. */
  patch(
    res: ResourceDef,
    ns: string | undefined,
    name: string,
    type: PatchType,
    patch: Loose,
    opts: WriteOptions & { force?: boolean } = {},
  ): { obj: KObject; created: boolean } {
    const old = this.store.get(res, res.namespaced ? ns : undefined, name);
    if (type === "apply") {
      if (!opts.fieldManager)
        throw errors.badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
      if (!isPlainObject(patch)) throw errors.badRequest("error decoding YAML: the body of an apply patch must be an object");
      if (patch.metadata?.name && patch.metadata.name !== name)
        throw errors.badRequest(`the name of the object (${String(patch.metadata.name)}) does not match the name on the URL (${name})`);
      if (!old) {
        const body = clone(patch);
        body.metadata = { ...(body.metadata ?? {}), name };
        const managedFields = upsertManagedFields(undefined, opts.fieldManager, "Apply", res.groupVersion, fieldsOf(patch as unknown as KObject), true);
        return { obj: this.create(res, ns, body, { ...opts, fieldManager: undefined, managedFields }), created: true };
      }
      let merged: KObject;
      try {
        merged = applyToLive(clone(old), patch as unknown as KObject, opts.fieldManager, res.groupVersion, opts.force ?? false);
      } catch (e) {
        if (e instanceof ApplyConflictError) throw conflictStatus(res, name, e);
        throw e;
      }
      if (opts.subresource !== "status" && res.subresources.includes("status")) merged.status = clone(old.status);
      merged.metadata.resourceVersion = old.metadata.resourceVersion;
      const obj = this.update(res, ns, name, merged, { ...opts, fieldManager: undefined, internal: opts.subresource === "status" ? opts.internal : false });
      return { obj, created: false };
    }
    if (!old) throw errors.notFound(res, name);
    let patched: Loose;
    if (type === "json") patched = applyJsonPatch(old, patch);
    else if (!isPlainObject(patch)) throw errors.badRequest("the body of the request was not a JSON object");
    else if (type === "merge") patched = applyMergePatch(old, patch);
    else patched = applyStrategicMergePatch(old, patch);
    if (!isPlainObject(patched)) throw errors.badRequest("patch produced an invalid object");
    const obj = this.update(res, ns, name, patched, opts);
    return { obj, created: false };
  }

  /**
   * Deletes an object. Returns `pending` when the object stays (finalizers, graceful pod deletion,
   * namespace termination) and the caller should answer with the object rather than a Status.
   */
  delete(res: ResourceDef, ns: string | undefined, name: string, opts: DeleteOptions = {}): { obj: KObject; pending: boolean } {
    const nsKey = res.namespaced ? ns : undefined;
    const old = this.store.get(res, nsKey, name);
    if (!old) throw errors.notFound(res, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== old.metadata.uid)
      throw errors.conflict(res, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
    if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion)
      throw errors.conflict(res, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`);
    if (opts.dryRun) return { obj: old, pending: false };
    const uid = old.metadata.uid!;
    const policy = opts.propagationPolicy ?? "Background";
    this.deletePolicies.set(uid, policy);

    if (res === R.namespaces) {
      if (old.metadata.deletionTimestamp) return { obj: old, pending: true };
      const obj = clone(old);
      obj.metadata.deletionTimestamp = nowIso();
      obj.status = { ...(obj.status ?? {}), phase: "Terminating" };
      return { obj: this.store.put(res, obj), pending: true };
    }

    if (res === R.pods) {
      const grace = opts.gracePeriodSeconds ?? old.spec?.terminationGracePeriodSeconds ?? 30;
      const running = old.spec?.nodeName && old.status?.phase !== "Succeeded" && old.status?.phase !== "Failed";
      if (running && grace > 0 && (old.metadata.finalizers?.length ?? 0) === 0) {
        if (old.metadata.deletionTimestamp) return { obj: old, pending: true };
        const obj = clone(old);
        obj.metadata.deletionTimestamp = new Date(Date.now() + grace * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
        obj.metadata.deletionGracePeriodSeconds = grace;
        return { obj: this.store.put(res, obj), pending: true };
      }
    }

    const finalizers = [...(old.metadata.finalizers ?? [])];
    if (policy === "Foreground" && !finalizers.includes("foregroundDeletion") && this.hasDependents(uid)) finalizers.push("foregroundDeletion");
    if (finalizers.length > 0) {
      if (old.metadata.deletionTimestamp && deepEqual(finalizers, old.metadata.finalizers ?? [])) return { obj: old, pending: true };
      const obj = clone(old);
      obj.metadata.deletionTimestamp ??= nowIso();
      obj.metadata.deletionGracePeriodSeconds ??= 0;
      obj.metadata.finalizers = finalizers;
      return { obj: this.store.put(res, obj), pending: true };
    }
    const gone = this.store.remove(res, nsKey, name)!;
    return { obj: gone, pending: false };
  }

  /** Set by the garbage collector so Foreground deletion knows whether to wait. */
  hasDependents: (uid: string) => boolean = () => false;

  /** Final removal of an object whose deletion was pending (kubelet, namespace controller). */
  forceRemove(res: ResourceDef, ns: string | undefined, name: string): void {
    this.store.remove(res, res.namespaced ? ns : undefined, name);
  }

  // ---- scale subresource ----

  toScale(res: ResourceDef, obj: KObject): KObject {
    return {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: {
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
        creationTimestamp: obj.metadata.creationTimestamp,
      },
      spec: { replicas: obj.spec?.replicas ?? 0 },
      status: { replicas: obj.status?.replicas ?? 0, selector: labelSelectorString(obj.spec?.selector) },
    };
  }

  /** Writes a Scale back to its object (PUT or PATCH on …/scale). */
  writeScale(res: ResourceDef, ns: string | undefined, name: string, scale: Loose, opts: WriteOptions): KObject {
    const obj = this.get(res, ns, name);
    const replicas = scale?.spec?.replicas;
    if (typeof replicas !== "number" || replicas < 0)
      throw new ApiError(422, "Invalid", `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, {
        name,
        group: "autoscaling",
        kind: "Scale",
        causes: [{ reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, field: "spec.replicas" }],
      });
    if (scale?.metadata?.resourceVersion && scale.metadata.resourceVersion !== obj.metadata.resourceVersion) throw errors.conflict(res, name);
    const next = clone(obj);
    next.spec.replicas = replicas;
    const updated = this.update(res, ns, name, next, { dryRun: opts.dryRun, fieldManager: opts.fieldManager, subresource: "scale", fieldsBody: { spec: { replicas } } });
    return this.toScale(res, updated);
  }
}

/** The object without managedFields timestamps, so a write that changes nothing is recognised. */
function stripVolatile(o: KObject): KObject {
  const m = { ...o.metadata };
  if (m.managedFields) m.managedFields = m.managedFields.map((f) => ({ ...f, time: undefined }));
  return { ...o, metadata: m };
}

/** 409 as the API server words apply conflicts. */
function conflictStatus(res: ResourceDef, name: string, e: ApplyConflictError): ApiError {
  const byManager = new Map<string, string[]>();
  for (const c of e.conflicts) {
    const k = `"${c.manager}" using ${c.apiVersion}`;
    byManager.set(k, [...(byManager.get(k) ?? []), c.field]);
  }
  const n = e.conflicts.length;
  const parts = [...byManager.entries()].map(([who, fields]) =>
    fields.length === 1 ? `conflict with ${who}: ${fields[0]}` : `conflicts with ${who}:\n${fields.map((f) => `- ${f}`).join("\n")}`,
  );
  const message = `Apply failed with ${n} conflict${n === 1 ? "" : "s"}: ${parts.join("\n")}`;
  return new ApiError(409, "Conflict", message, {
    name,
    ...(res.group ? { group: res.group } : {}),
    kind: res.plural,
    causes: e.conflicts.map((c) => ({ reason: "FieldManagerConflict", message: `conflict with "${c.manager}" using ${c.apiVersion}`, field: c.field })),
  });
}
