// Manifest templates of the demo services. Placeholders ({{name}}, {{namespace}}, {{image}}, {{replicas}},
// {{cpu}}, {{memory}}, {{storage}}) are filled per instance when it is deployed.

export const helloWebManifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: "{{name}}"
  namespace: "{{namespace}}"
  labels: { app.kubernetes.io/name: "{{name}}", app.kubernetes.io/managed-by: fleetplane }
spec:
  replicas: {{replicas}}
  selector: { matchLabels: { app.kubernetes.io/name: "{{name}}" } }
  template:
    metadata: { labels: { app.kubernetes.io/name: "{{name}}" } }
    spec:
      containers:
        - name: web
          image: "{{image}}"
          ports: [{ containerPort: 8080, name: http }]
          resources:
            requests: { cpu: "{{cpu}}", memory: "{{memory}}" }
            limits: { cpu: "{{cpu}}", memory: "{{memory}}" }
---
apiVersion: v1
kind: Service
metadata: { name: "{{name}}", namespace: "{{namespace}}" }
spec:
  selector: { app.kubernetes.io/name: "{{name}}" }
  ports: [{ port: 80, targetPort: http, name: http }]
`;

export const postgresManifest = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: "{{name}}"
  namespace: "{{namespace}}"
  labels: { app.kubernetes.io/name: "{{name}}", app.kubernetes.io/managed-by: fleetplane }
spec:
  serviceName: "{{name}}"
  replicas: {{replicas}}
  selector: { matchLabels: { app.kubernetes.io/name: "{{name}}" } }
  template:
    metadata: { labels: { app.kubernetes.io/name: "{{name}}" } }
    spec:
      containers:
        - name: postgres
          image: "{{image}}"
          ports: [{ containerPort: 5432, name: postgres }]
          resources:
            requests: { cpu: "{{cpu}}", memory: "{{memory}}" }
            limits: { cpu: "{{cpu}}", memory: "{{memory}}" }
          volumeMounts: [{ name: data, mountPath: /var/lib/postgresql/data }]
  volumeClaimTemplates:
    - metadata: { name: data }
      spec:
        accessModes: [ReadWriteOnce]
        resources: { requests: { storage: "{{storage}}" } }
---
apiVersion: v1
kind: Service
metadata: { name: "{{name}}", namespace: "{{namespace}}" }
spec:
  selector: { app.kubernetes.io/name: "{{name}}" }
  ports: [{ port: 5432, targetPort: postgres, name: postgres }]
`;
