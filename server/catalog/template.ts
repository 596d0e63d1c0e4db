// Manifest templates of service versions: multi-document YAML with typed placeholders ({{name}}, {{replicas}}, …)
// that platform admins edit in the catalog. Values are encoded for the exact YAML spot each placeholder sits in
// (a quoted string, a bare value, a block) before parsing, so no value can change the YAML's structure.
import type { KubernetesObject } from "@kubernetes/client-node";
import { CST, isMap, Lexer, LineCounter, parseAllDocuments, stringify, type Document } from "yaml";
import { z } from "zod";
import { INSTANCE_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from "@/server/clusters/node-snapshot";
import { DomainError } from "@/server/errors/domain-error";
import { mbToMemory, millisToCpu } from "@/server/k8s/quantity";

// ─── Placeholders and values ────────────────────────────────────────────────────────────────────────────────

/** Every placeholder a template may use, its type and what it holds (shown in the catalog editor). */
export const PLACEHOLDERS = {
  name: { type: "string", description: "the instance's name (RFC 1123 label); the workload and Service should carry it" },
  namespace: { type: "string", description: "the instance's namespace (RFC 1123 label)" },
  instanceId: { type: "string", description: "the instance's id" },
  image: { type: "string", description: "the service version's container image" },
  replicas: { type: "integer", description: "the number of replicas (a number: write it without quotes)" },
  cpu: { type: "string", description: "the plan's CPU per replica as a quantity, e.g. 500m" },
  memory: { type: "string", description: "the plan's memory per replica as a quantity, e.g. 512Mi" },
  storage: { type: "string", description: "the plan's storage as a quantity, e.g. 10Gi" },
  "credentials.username": { type: "string", description: "the generated username" },
  "credentials.password": { type: "string", description: "the generated password" },
  "credentials.secretName": { type: "string", description: "the Secret holding the credentials (keys username and password)" },
} as const satisfies Record<string, { type: "string" | "integer"; description: string }>;

export type PlaceholderName = keyof typeof PLACEHOLDERS;

const isPlaceholderName = (key: string): key is PlaceholderName => Object.hasOwn(PLACEHOLDERS, key);

/** Kinds a template may create, with the apiVersion each must use. */
export const ALLOWED_KINDS: Record<string, string> = {
  Deployment: "apps/v1",
  StatefulSet: "apps/v1",
  Service: "v1",
  ConfigMap: "v1",
  Secret: "v1",
  PersistentVolumeClaim: "v1",
  NetworkPolicy: "networking.k8s.io/v1",
  ServiceAccount: "v1",
};

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
/** No control characters or line separators: such a value can sit in any YAML context without escapes. */
function isPrintable(s: string): boolean {
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c < 0x20 || c === 0x7f || c === 0x85 || c === 0x2028 || c === 0x2029) return false;
  }
  return true;
}
const printable = z.string().refine(isPrintable, "must not contain control characters or line breaks");

const label = z.string().max(63, "must be at most 63 characters").regex(DNS_LABEL, "must be lowercase letters, digits and '-', starting and ending with a letter or digit");
const quantity = z.string().regex(QUANTITY, "must be a Kubernetes quantity such as 500m, 2, 512Mi or 10Gi");

const valuesSchema = z.object({
  name: label,
  namespace: label,
  instanceId: z.string().max(63).regex(LABEL_VALUE, "must be usable as a label value"),
  image: z.string().min(1).max(300).regex(/^[a-z0-9][a-z0-9./:_@-]*$/i, "must be an image reference such as registry/name:tag"),
  replicas: z.number().int("must be a whole number").min(0).max(1000),
  /** A quantity, or a number of millicores. */
  cpu: z.union([z.number().int().positive().transform(millisToCpu), quantity]),
  /** A quantity, or a number of MiB. */
  memory: z.union([z.number().int().positive().transform(mbToMemory), quantity]),
  /** A quantity, or a number of GB (rendered as Gi, as plans count storage). */
  storage: z.union([z.number().int().positive().transform((gb) => `${gb}Gi`), quantity]),
  credentials: z
    .object({
      username: printable.min(1).max(256),
      password: printable.min(1).max(256),
      secretName: z.string().max(253).regex(DNS_SUBDOMAIN, "must be a valid Secret name"),
    })
    .optional(),
});

/** What an instance fills a template with. cpu, memory and storage may be quantities or plan numbers (millicores, MiB, GB). */
export type TemplateValues = z.input<typeof valuesSchema>;

/** Values for previews in the catalog editor; any of them can be overridden. */
export const SAMPLE_VALUES: TemplateValues = {
  name: "sample",
  namespace: "fp-sample",
  instanceId: "00000000-0000-4000-8000-000000000000",
  image: "registry.example.com/app:1.0.0",
  replicas: 1,
  cpu: 500,
  memory: 512,
  storage: 10,
  credentials: { username: "sampleuser", password: "sample-password", secretName: "sample-credentials" },
};

export type TemplateProblem = { line?: number; message: string };

/** "line 3: …; line 7: …" — problems as one sentence for errors and logs. */
export function formatProblems(problems: TemplateProblem[]): string {
  return problems.map((p) => (p.line ? `line ${p.line}: ${p.message}` : p.message)).join("; ");
}

// ─── Finding placeholders and the YAML context of each ──────────────────────────────────────────────────────

/**
 * Where a placeholder sits: the whole of a bare value (`replicas: {{replicas}}`), inside a double- or
 * single-quoted string, inside a block scalar (`|`), in a comment, part of a bare value with other text
 * (`image: repo/{{name}}`, refused: it must be quoted), or somewhere else (anchor, tag: refused).
 */
type Context = "plain" | "embedded" | "double" | "single" | "block" | "comment" | "other";

type Occurrence = { key: string; start: number; end: number; line: number; context: Context; wholeQuoted: boolean };

const PLACEHOLDER = /\{\{[ \t]*([A-Za-z][A-Za-z0-9_.]*)[ \t]*\}\}/g;
const SENTINEL_PREFIX = "__fpph";
const sentinel = (i: number) => `${SENTINEL_PREFIX}${i}__`;

type Scan = { occurrences: Occurrence[]; sentinelText: string; problems: TemplateProblem[]; fatal?: boolean };

/** Offset of the first control character other than tab and line breaks, or -1. */
function controlCharacterAt(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return i;
  }
  return -1;
}

function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

/**
 * Finds the placeholders and classifies each by YAML context: every placeholder is swapped for a bare
 * identifier (same lines, a plain scalar wherever a value can stand), and the YAML lexer says which token holds it.
 */
function scanTemplate(text: string): Scan {
  const problems: TemplateProblem[] = [];
  const control = controlCharacterAt(text);
  if (control !== -1) return { occurrences: [], sentinelText: text, problems: [{ line: lineOfOffset(text, control), message: "the template contains a control character" }], fatal: true };
  if (text.includes(SENTINEL_PREFIX))
    return { occurrences: [], sentinelText: text, problems: [{ line: lineOfOffset(text, text.indexOf(SENTINEL_PREFIX)), message: `"${SENTINEL_PREFIX}" is reserved` }], fatal: true };

  const matches = [...text.matchAll(PLACEHOLDER)];
  const covered = (i: number) => matches.some((m) => i >= m.index && i < m.index + m[0].length);
  for (let i = text.indexOf("{{"); i !== -1; i = text.indexOf("{{", i + 2)) {
    if (!covered(i)) problems.push({ line: lineOfOffset(text, i), message: `"{{" does not start a placeholder such as {{name}}` });
  }

  let sentinelText = "";
  let last = 0;
  const spots: { occ: Occurrence; sStart: number; sEnd: number }[] = [];
  matches.forEach((m, i) => {
    sentinelText += text.slice(last, m.index);
    const sStart = sentinelText.length;
    sentinelText += sentinel(i);
    last = m.index + m[0].length;
    const occ: Occurrence = { key: m[1]!, start: m.index, end: last, line: lineOfOffset(text, m.index), context: "other", wholeQuoted: false };
    spots.push({ occ, sStart, sEnd: sentinelText.length });
  });
  sentinelText += text.slice(last);

  // Walk the lexer's tokens: markers (document, flow end, scalar) carry no source; everything else is source text.
  let pos = 0;
  let scalarNext = false;
  let blockPending = false;
  for (const token of new Lexer().lex(sentinelText)) {
    if (token === CST.DOCUMENT || token === CST.FLOW_END) continue;
    if (token === CST.SCALAR) {
      scalarNext = true;
      continue;
    }
    const start = pos;
    const end = pos + token.length;
    pos = end;
    const type = CST.tokenType(token);
    let context: Context = "other";
    let wholeQuoted = false;
    // Quoted scalars are tokens of their own; plain and block scalars follow a SCALAR marker.
    if (type === "double-quoted-scalar" || type === "single-quoted-scalar") {
      context = type === "double-quoted-scalar" ? "double" : "single";
      scalarNext = false;
    } else if (scalarNext) {
      context = blockPending ? "block" : "plain";
      scalarNext = false;
      blockPending = false;
    } else if (type === "block-scalar-header") blockPending = true;
    else if (type === "comment") context = "comment";
    for (const spot of spots) {
      if (spot.sStart < start || spot.sStart >= end) continue;
      const id = sentinelText.slice(spot.sStart, spot.sEnd);
      if (spot.sEnd > end) spot.occ.context = "other";
      else if (context === "plain") spot.occ.context = token.trim() === id ? "plain" : "embedded";
      else spot.occ.context = context;
      if (context === "double" || context === "single") wholeQuoted = token.length === id.length + 2;
      spot.occ.wholeQuoted = wholeQuoted;
    }
  }
  return { occurrences: spots.map((s) => s.occ), sentinelText, problems };
}

// ─── Validation ─────────────────────────────────────────────────────────────────────────────────────────────

function placeholderProblems(occurrences: Occurrence[]): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  for (const o of occurrences) {
    if (o.context === "comment") continue;
    const spec = isPlaceholderName(o.key) ? PLACEHOLDERS[o.key] : undefined;
    if (!spec) {
      problems.push({ line: o.line, message: `unknown placeholder {{${o.key}}}; known placeholders: ${Object.keys(PLACEHOLDERS).map((k) => `{{${k}}}`).join(", ")}` });
      continue;
    }
    if (o.context === "embedded") problems.push({ line: o.line, message: `{{${o.key}}} is part of an unquoted value; put the whole value in double quotes` });
    else if (o.context === "other") problems.push({ line: o.line, message: `{{${o.key}}} cannot be used here (only in values, quoted strings and block text)` });
    else if (spec.type === "integer" && o.wholeQuoted) problems.push({ line: o.line, message: `{{${o.key}}} is a number; write it without quotes` });
  }
  return problems;
}

type Loose = Record<string, unknown>;
const isObject = (v: unknown): v is Loose => typeof v === "object" && v !== null && !Array.isArray(v);
const at = (v: unknown, ...path: string[]): unknown => path.reduce<unknown>((o, k) => (isObject(o) ? o[k] : undefined), v);

function lineOf(doc: Document, lines: LineCounter, path: (string | number)[]): number | undefined {
  for (let p = path; ; p = p.slice(0, -1)) {
    const node = p.length ? doc.getIn(p, true) : doc.contents;
    const offset = (node as { range?: [number, number, number] } | undefined)?.range?.[0];
    if (offset !== undefined) return lines.linePos(offset).line;
    if (p.length === 0) return undefined;
  }
}

/** Containers must state requests and limits for cpu and memory: the instance's namespace has a quota on both. */
function containerProblems(doc: Document, lines: LineCounter, obj: Loose): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const containers = at(obj, "spec", "template", "spec", "containers");
  if (!Array.isArray(containers) || containers.length === 0) {
    return [{ line: lineOf(doc, lines, ["spec", "template", "spec"]), message: `${obj.kind} needs spec.template.spec.containers` }];
  }
  containers.forEach((c, i) => {
    const missing = ["requests", "limits"].flatMap((kind) => ["cpu", "memory"].filter((r) => at(c, "resources", kind, r) === undefined).map((r) => `${kind}.${r}`));
    if (missing.length)
      problems.push({
        line: lineOf(doc, lines, ["spec", "template", "spec", "containers", i]),
        message: `container "${String(at(c, "name") ?? i)}" must set resources ${missing.join(", ")} (use {{cpu}} and {{memory}}): the instance's namespace has a quota, and pods without them are refused`,
      });
  });
  return problems;
}

/** The parser's message without its position suffix and source excerpt (the line is reported separately). */
const yamlMessage = (message: string) => message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");

function documentProblems(scan: Scan): TemplateProblem[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(scan.sentinelText, { lineCounter: lines, uniqueKeys: true });
  if (!Array.isArray(docs)) return [{ message: "the template is empty" }];
  const yamlProblems = docs.flatMap((d) => d.errors.map((e) => ({ line: e.linePos?.[0]?.line, message: `YAML: ${yamlMessage(e.message)}` })));
  if (yamlProblems.length) return yamlProblems;

  const sentinelKey = new Map(scan.occurrences.map((o, i) => [sentinel(i), o.key]));
  const isPlaceholder = (v: unknown, key: PlaceholderName) => typeof v === "string" && sentinelKey.get(v) === key;
  // Text as the author wrote it: each occurrence has its own identifier, so the same placeholder twice compares equal only this way.
  const written = (v: string) => v.replace(new RegExp(`${SENTINEL_PREFIX}(\\d+)__`, "g"), (_, i: string) => `{{${scan.occurrences[Number(i)]?.key}}}`);
  const problems: TemplateProblem[] = [];
  const seen = new Set<string>();
  let objects = 0;
  let namedWorkload = false;
  docs.forEach((doc, index) => {
    if (doc.contents === null) return; // an empty document, e.g. after a trailing ---
    const where = `document ${index + 1}`;
    const line = lineOf(doc, lines, []);
    if (!isMap(doc.contents)) {
      problems.push({ line, message: `${where} is not a mapping with apiVersion, kind and metadata` });
      return;
    }
    objects++;
    const obj = doc.toJS({ maxAliasCount: 100 }) as Loose;
    const kind = obj.kind;
    if (typeof kind !== "string" || !kind) problems.push({ line, message: `${where} has no kind` });
    else if (!Object.hasOwn(ALLOWED_KINDS, kind)) problems.push({ line: lineOf(doc, lines, ["kind"]), message: `kind ${kind} is not allowed; allowed kinds: ${Object.keys(ALLOWED_KINDS).join(", ")}` });
    else if (typeof obj.apiVersion === "string" && obj.apiVersion !== ALLOWED_KINDS[kind])
      problems.push({ line: lineOf(doc, lines, ["apiVersion"]), message: `${kind} needs apiVersion ${ALLOWED_KINDS[kind]}, not ${obj.apiVersion}` });
    if (typeof obj.apiVersion !== "string" || !obj.apiVersion) problems.push({ line, message: `${where} has no apiVersion` });
    const name = at(obj, "metadata", "name");
    if (!isObject(obj.metadata)) problems.push({ line, message: `${where} has no metadata` });
    else if (typeof name !== "string" || !name) problems.push({ line: lineOf(doc, lines, ["metadata"]), message: `${where} has no metadata.name` });
    const ns = at(obj, "metadata", "namespace");
    if (ns !== undefined && ns !== null && !isPlaceholder(ns, "namespace"))
      problems.push({ line: lineOf(doc, lines, ["metadata", "namespace"]), message: "metadata.namespace must be {{namespace}} (or left out): an instance's objects live in its own namespace" });
    if (typeof kind === "string" && typeof name === "string") {
      const id = `${kind}/${written(name)}`;
      if (seen.has(id)) problems.push({ line, message: `${kind} ${written(name)} is defined twice` });
      seen.add(id);
    }
    if (kind === "Deployment" || kind === "StatefulSet") {
      problems.push(...containerProblems(doc, lines, obj));
      if (isPlaceholder(name, "name")) namedWorkload = true;
    }
  });
  if (objects === 0) problems.push({ message: "the template defines no objects" });
  else if (!namedWorkload) problems.push({ message: "the template needs a Deployment or StatefulSet named {{name}}: Fleetplane waits for it to be ready and scales it" });
  return problems;
}

/**
 * Checks a manifest template and lists its problems in plain words, with line numbers where possible: bad YAML,
 * unknown or misplaced placeholders, documents without kind, apiVersion or metadata.name, kinds outside the
 * allow-list, a metadata.namespace other than {{namespace}}, containers without cpu and memory requests and
 * limits, no workload named {{name}}. An empty list means the template can be rendered for any valid values.
 */
export function validateTemplate(text: string): TemplateProblem[] {
  const scan = scanTemplate(text);
  const problems = [...scan.problems, ...placeholderProblems(scan.occurrences)];
  if (scan.fatal) return problems;
  return [...problems, ...documentProblems(scan)];
}

// ─── Rendering ──────────────────────────────────────────────────────────────────────────────────────────────

/** A double-quoted YAML string: JSON's escaping, plus the line separators JSON leaves raw. */
function doubleQuoted(s: string): string {
  return JSON.stringify(s).replace(/[\u0085\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function encode(o: Occurrence, value: string | number): string {
  const isNumber = typeof value === "number";
  const s = String(value);
  switch (o.context) {
    case "plain":
      return isNumber ? s : doubleQuoted(s);
    case "double":
      return doubleQuoted(s).slice(1, -1);
    case "single":
    case "block":
      // Neither has escapes: a line break could end the string or the block, so none may occur (values are checked).
      if (!isPrintable(s)) throw new DomainError("BAD_REQUEST", `the value of {{${o.key}}} contains a line break or control character`);
      return o.context === "single" ? s.replace(/'/g, "''") : s;
    default:
      throw new DomainError("BAD_REQUEST", `{{${o.key}}} cannot be rendered at line ${o.line}`);
  }
}

type RenderResult = { objects: KubernetesObject[]; problems?: undefined } | { objects?: undefined; problems: TemplateProblem[] };

/** Checked templates by text: every instance of a version renders the same text, so it is checked once. */
const checkedTemplates = new Map<string, { problems: TemplateProblem[]; occurrences: ReturnType<typeof scanTemplate>["occurrences"] }>();

function checkTemplateOnce(text: string) {
  let checked = checkedTemplates.get(text);
  if (!checked) {
    checked = { problems: validateTemplate(text), occurrences: scanTemplate(text).occurrences };
    if (checkedTemplates.size >= 64) checkedTemplates.delete(checkedTemplates.keys().next().value!);
    checkedTemplates.set(text, checked);
  }
  return checked;
}

function render(text: string, values: TemplateValues): RenderResult {
  const { problems, occurrences } = checkTemplateOnce(text);
  if (problems.length) return { problems };
  const parsed = valuesSchema.safeParse(values);
  if (!parsed.success) return { problems: parsed.error.issues.map((i) => ({ message: `value ${i.path.join(".") || "(values)"} ${i.message}` })) };
  const v = parsed.data;
  const resolved: Record<PlaceholderName, string | number | undefined> = {
    name: v.name,
    namespace: v.namespace,
    instanceId: v.instanceId,
    image: v.image,
    replicas: v.replicas,
    cpu: v.cpu,
    memory: v.memory,
    storage: v.storage,
    "credentials.username": v.credentials?.username,
    "credentials.password": v.credentials?.password,
    "credentials.secretName": v.credentials?.secretName,
  };

  let out = "";
  let last = 0;
  for (const o of occurrences) {
    if (o.context === "comment") continue;
    const value = isPlaceholderName(o.key) ? resolved[o.key] : undefined;
    if (value === undefined) return { problems: [{ line: o.line, message: `the template uses {{${o.key}}} but no credentials were given` }] };
    out += text.slice(last, o.start) + encode(o, value);
    last = o.end;
  }
  out += text.slice(last);

  const docs = parseAllDocuments(out, { uniqueKeys: true });
  if (!Array.isArray(docs)) return { problems: [{ message: "the template is empty" }] };
  const errors = docs.flatMap((d) => d.errors.map((e) => ({ line: e.linePos?.[0]?.line, message: `YAML after filling in values: ${yamlMessage(e.message)}` })));
  if (errors.length) return { problems: errors };

  const objects = docs
    .filter((d) => d.contents !== null)
    .map((d) => {
      const obj = d.toJS({ maxAliasCount: 100 }) as KubernetesObject;
      obj.metadata = {
        ...obj.metadata,
        namespace: v.namespace,
        labels: { ...(obj.metadata?.labels ?? {}), [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [INSTANCE_LABEL]: v.instanceId },
      };
      return obj;
    });
  return { objects };
}

/**
 * Renders a template for one instance: checks it (validateTemplate) and the values, fills each placeholder with
 * its typed value encoded for its YAML context (numbers stay numbers, strings are quoted or escaped), parses the
 * result and returns the objects, each in `values.namespace` and labelled app.kubernetes.io/managed-by=fleetplane
 * and fleetplane.dev/instance=<instanceId>. Throws DomainError BAD_REQUEST listing the problems.
 */
export function renderTemplate(text: string, values: TemplateValues): KubernetesObject[] {
  const result = render(text, values);
  if (result.problems) throw new DomainError("BAD_REQUEST", `the manifest template cannot be rendered: ${formatProblems(result.problems)}`);
  return result.objects;
}

export type TemplatePreview = { ok: true; yaml: string; objects: KubernetesObject[] } | { ok: false; problems: TemplateProblem[] };

/** For the catalog editor: the template rendered with sample values (SAMPLE_VALUES, overridable) as YAML, or its problems. */
export function previewTemplate(text: string, sampleValues: Partial<TemplateValues> = {}): TemplatePreview {
  const result = render(text, { ...SAMPLE_VALUES, ...sampleValues });
  if (result.problems) return { ok: false, problems: result.problems };
  const yaml = result.objects.map((o) => stringify(o, { lineWidth: 0 })).join("---\n");
  return { ok: true, yaml, objects: result.objects };
}
