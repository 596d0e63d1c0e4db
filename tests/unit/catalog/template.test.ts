// Manifest templates: validation problems with line numbers, typed rendering, injection through values,
// labels added on render, and both demo templates rendering to valid objects.
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { helloWebManifest, postgresManifest } from "@/db/seed/demo-manifests";
import { INSTANCE_LABEL, MANAGED_BY_LABEL } from "@/server/clusters/node-snapshot";
import { DomainError } from "@/server/errors/domain-error";
import { previewTemplate, renderTemplate, SAMPLE_VALUES, validateTemplate, type TemplateValues } from "@/server/catalog/template";

/** Rendered objects are read by path in assertions; a missing path fails the assertion anyway. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const values: TemplateValues = {
  name: "web",
  namespace: "fp-1234abcd-web",
  instanceId: "1234abcd-0000-4000-8000-000000000001",
  image: "fleetplane/hello-web:1.0.0",
  replicas: 2,
  cpu: 250,
  memory: 256,
  storage: 5,
  credentials: { username: "fpuser", password: "s3cret", secretName: "web-credentials" },
};

const workload = (extra = "") => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{name}}
spec:
  replicas: {{replicas}}
  selector: { matchLabels: { app: {{name}} } }
  template:
    metadata: { labels: { app: {{name}} } }
    spec:
      containers:
        - name: app
          image: {{image}}
          resources:
            requests: { cpu: {{cpu}}, memory: {{memory}} }
            limits: { cpu: {{cpu}}, memory: {{memory}} }
${extra}`;

function problemsOf(text: string) {
  return validateTemplate(text);
}

describe("validateTemplate", () => {
  it("accepts both demo templates", () => {
    expect(validateTemplate(helloWebManifest)).toEqual([]);
    expect(validateTemplate(postgresManifest)).toEqual([]);
  });

  it("reports bad YAML with its line", () => {
    const problems = problemsOf(workload(`---
apiVersion: v1
kind: ConfigMap
metadata: { name: x
data: {}
`));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]!.message).toMatch(/^YAML: /);
    expect(problems[0]!.line).toBeGreaterThanOrEqual(20);
  });

  it("reports unknown placeholders, unquoted embedding and quoted numbers with lines", () => {
    const problems = problemsOf(workload(`---
apiVersion: v1
kind: ConfigMap
metadata: { name: cfg }
data:
  a: {{constructor}}
  b: prefix-{{name}}
  c: "{{replicas}}"
  d: "ok-{{name}}"
  # {{anything}} in a comment is ignored
`));
    expect(problems).toEqual([
      { line: 22, message: expect.stringContaining("unknown placeholder {{constructor}}") },
      { line: 23, message: expect.stringContaining("{{name}} is part of an unquoted value") },
      { line: 24, message: "{{replicas}} is a number; write it without quotes" },
    ]);
  });

  it("reports a stray {{ that is not a placeholder", () => {
    expect(problemsOf(workload(`---
apiVersion: v1
kind: ConfigMap
metadata: { name: cfg }
data: { a: "{{ .Values.x }}" }
`))).toEqual([{ line: 21, message: expect.stringContaining('"{{" does not start a placeholder') }]);
  });

  it("reports missing kind, apiVersion and metadata.name, kinds outside the allow-list and a wrong apiVersion", () => {
    const problems = problemsOf(workload(`---
metadata: { name: a }
---
apiVersion: v1
kind: ConfigMap
metadata: { labels: { x: y } }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: admin }
---
apiVersion: v1
kind: constructor
metadata: { name: proto }
---
apiVersion: v1
kind: Deployment
metadata: { name: other }
spec: { template: { spec: { containers: [] } } }
`));
    const messages = problems.map((p) => `${p.line}: ${p.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        "18: document 2 has no kind",
        "18: document 2 has no apiVersion",
        "22: document 3 has no metadata.name",
        expect.stringMatching(/^25: kind ClusterRoleBinding is not allowed; allowed kinds: Deployment, StatefulSet, Service/),
        "29: kind constructor is not allowed; allowed kinds: Deployment, StatefulSet, Service, ConfigMap, Secret, PersistentVolumeClaim, NetworkPolicy, ServiceAccount",
        "32: Deployment needs apiVersion apps/v1, not v1",
        "35: Deployment needs spec.template.spec.containers",
      ]),
    );
  });

  it("refuses a namespace other than {{namespace}} and accepts {{namespace}} or none", () => {
    const cm = (ns: string) => workload(`---
apiVersion: v1
kind: ConfigMap
metadata: { name: cfg, namespace: ${ns} }
`);
    expect(problemsOf(cm("kube-system"))).toEqual([{ line: 20, message: expect.stringContaining("metadata.namespace must be {{namespace}}") }]);
    expect(problemsOf(cm('"{{name}}"'))).toEqual([{ line: 20, message: expect.stringContaining("metadata.namespace must be {{namespace}}") }]);
    expect(problemsOf(cm("{{namespace}}"))).toEqual([]);
    expect(problemsOf(cm('"{{namespace}}"'))).toEqual([]);
  });

  it("requires cpu and memory requests and limits on containers (the namespace has a quota)", () => {
    const text = workload().replace("            limits: { cpu: {{cpu}}, memory: {{memory}} }\n", "");
    expect(problemsOf(text)).toEqual([{ line: 12, message: expect.stringContaining('container "app" must set resources limits.cpu, limits.memory') }]);
  });

  it("requires a workload named {{name}} and at least one object", () => {
    expect(problemsOf(workload().replace("  name: {{name}}\n", "  name: fixed\n"))).toEqual([
      { message: expect.stringContaining("needs a Deployment or StatefulSet named {{name}}") },
    ]);
    expect(problemsOf("# nothing here\n")).toEqual([{ message: "the template defines no objects" }]);
  });

  it("reports a control character in the template", () => {
    expect(problemsOf(workload("---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: c\u0007 }\n"))).toEqual([{ line: 20, message: "the template contains a control character" }]);
  });

  it("reports duplicate objects", () => {
    expect(problemsOf(`${workload()}---\n${workload()}`)).toEqual([{ line: 18, message: "Deployment {{name}} is defined twice" }]);
  });
});

describe("renderTemplate", () => {
  it("fills typed values: numbers as numbers, strings as strings, plan sizes as quantities", () => {
    const [d] = renderTemplate(workload(), values) as [Json];
    expect(d.spec.replicas).toBe(2);
    expect(d.metadata.name).toBe("web");
    const c = d.spec.template.spec.containers[0];
    expect(c.image).toBe("fleetplane/hello-web:1.0.0");
    expect(c.resources).toEqual({ requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "250m", memory: "256Mi" } });
    // Quantity strings pass through as given.
    const [d2] = renderTemplate(workload(), { ...values, cpu: "1", memory: "1Gi" }) as [Json];
    expect(d2.spec.template.spec.containers[0].resources.requests).toEqual({ cpu: "1", memory: "1Gi" });
  });

  it("puts every object in the instance's namespace and adds the managed-by and instance labels", () => {
    const objects = renderTemplate(helloWebManifest, values);
    expect(objects.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual(["Deployment/web", "Service/web"]);
    for (const o of objects) {
      expect(o.metadata?.namespace).toBe(values.namespace);
      expect(o.metadata?.labels).toMatchObject({ [MANAGED_BY_LABEL]: "fleetplane", [INSTANCE_LABEL]: values.instanceId });
    }
    // The template's own labels stay.
    expect(objects[0]!.metadata?.labels?.["app.kubernetes.io/name"]).toBe("web");
  });

  it("cannot be injected through a value, in any YAML context", () => {
    const text = workload(`---
apiVersion: v1
kind: ConfigMap
metadata: { name: cfg }
data:
  bare: {{credentials.password}}
  double: "pw={{credentials.password}}"
  single: 'pw={{credentials.password}}'
  flow: { x: {{credentials.password}} }
  block: |
    password={{credentials.password}}
`);
    const evil = `x"\n  injected: true\nkind: Secret\n---\napiVersion: v1`;
    // Line breaks are refused outright: values are single-line strings.
    expect(() => renderTemplate(text, { ...values, credentials: { ...values.credentials!, password: evil } })).toThrowError(DomainError);

    const nasty = `a" injected: "1', '' } ] # {{name}} &x *y !!int |> - ? : \\"`;
    const objects = renderTemplate(text, { ...values, credentials: { ...values.credentials!, password: nasty } });
    expect(objects).toHaveLength(2);
    const cm = objects[1] as unknown as { data: Record<string, unknown>; metadata: Record<string, unknown> };
    expect(cm.data).toEqual({ bare: nasty, double: `pw=${nasty}`, single: `pw=${nasty}`, flow: { x: nasty }, block: `password=${nasty}\n` });
    expect(Object.keys(cm.metadata).sort()).toEqual(["labels", "name", "namespace"]);
  });

  it("cannot be injected through the image or a name either: values are checked by type", () => {
    expect(() => renderTemplate(workload(), { ...values, image: "nginx\n    command: [sh]" })).toThrowError(/value image must be an image reference/);
    expect(() => renderTemplate(workload(), { ...values, name: "web: {x: 1}" })).toThrowError(/value name must be lowercase/);
    expect(() => renderTemplate(workload(), { ...values, replicas: 1.5 })).toThrowError(/value replicas must be a whole number/);
    expect(() => renderTemplate(workload(), { ...values, cpu: "lots" })).toThrowError(/value cpu/);
  });

  it("the old quoted placeholder style renders too", () => {
    const old = workload().replace(/ \{\{name\}\}/g, ' "{{name}}"').replace("image: {{image}}", 'image: "{{image}}"');
    expect(validateTemplate(old)).toEqual([]);
    const [d] = renderTemplate(old, values) as [Json];
    expect(d.metadata.name).toBe("web");
    expect(d.spec.template.spec.containers[0].image).toBe(values.image);
  });

  it("throws BAD_REQUEST with the template's problems", () => {
    try {
      renderTemplate("apiVersion: v1\nkind: Pod\nmetadata: { name: x }\n", values);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).code).toBe("BAD_REQUEST");
      expect((err as DomainError).message).toMatch(/line 2: kind Pod is not allowed/);
    }
  });

  it("needs credentials when the template uses them", () => {
    expect(() => renderTemplate(postgresManifest, { ...values, credentials: undefined })).toThrowError(/uses \{\{credentials.secretName\}\} but no credentials/);
  });

  it("renders both demo templates to valid Kubernetes objects", () => {
    const web = renderTemplate(helloWebManifest, values) as Json[];
    expect(web[0]).toMatchObject({ apiVersion: "apps/v1", kind: "Deployment", spec: { replicas: 2, selector: { matchLabels: { "app.kubernetes.io/name": "web" } } } });
    expect(web[0]!.spec.template.metadata.labels).toEqual(web[0]!.spec.selector.matchLabels);
    expect(web[1]).toMatchObject({ apiVersion: "v1", kind: "Service", spec: { selector: { "app.kubernetes.io/name": "web" }, ports: [{ port: 80, targetPort: "http" }] } });

    const pg = renderTemplate(postgresManifest, { ...values, name: "db", replicas: 1 }) as Json[];
    expect(pg[0]).toMatchObject({ apiVersion: "apps/v1", kind: "StatefulSet", spec: { serviceName: "db", replicas: 1 } });
    expect(pg[0]!.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("5Gi");
    expect(pg[0]!.spec.template.spec.containers[0].env[0]).toEqual({ name: "POSTGRES_USER", valueFrom: { secretKeyRef: { name: "web-credentials", key: "username" } } });
    expect(pg[1]).toMatchObject({ kind: "Service", metadata: { name: "db" }, spec: { ports: [{ port: 5432 }] } });
  });
});

describe("previewTemplate", () => {
  it("renders with sample values as YAML that parses back to the objects", () => {
    const preview = previewTemplate(helloWebManifest, { image: "nginx:1.27" });
    if (!preview.ok) throw new Error(JSON.stringify(preview.problems));
    const docs = parseAllDocuments(preview.yaml);
    expect(Array.isArray(docs) && docs.map((d) => d.toJS())).toEqual(preview.objects);
    expect(preview.yaml).toContain(`name: ${SAMPLE_VALUES.name}`);
    expect(preview.yaml).toContain("image: nginx:1.27");
  });

  it("lists problems instead of throwing", () => {
    expect(previewTemplate("kind: [")).toEqual({ ok: false, problems: [expect.objectContaining({ message: expect.stringMatching(/^YAML: /) })] });
  });
});
