// Manifest templates of the demo services, in the typed placeholder syntax of server/catalog/template.ts:
// a placeholder that is a whole value stands bare ({{name}}, {{replicas}}) and is filled with a quoted string
// or a number; inside other text it goes in double quotes. Labels managed-by and instance are added on render.

export const helloWebManifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{name}}
  namespace: {{namespace}}
  labels: { app.kubernetes.io/name: {{name}} }
spec:
  replicas: {{replicas}}
  selector: { matchLabels: { app.kubernetes.io/name: {{name}} } }
  template:
    metadata: { labels: { app.kubernetes.io/name: {{name}} } }
    spec:
      containers:
        - name: web
          image: {{image}}
          ports: [{ containerPort: 8080, name: http }]
          resources:
            requests: { cpu: {{cpu}}, memory: {{memory}} }
            limits: { cpu: {{cpu}}, memory: {{memory}} }
---
apiVersion: v1
kind: Service
metadata: { name: {{name}}, namespace: {{namespace}} }
spec:
  selector: { app.kubernetes.io/name: {{name}} }
  ports: [{ port: 80, targetPort: http, name: http }]
`;

export const postgresManifest = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{name}}
  namespace: {{namespace}}
  labels: { app.kubernetes.io/name: {{name}} }
spec:
  serviceName: {{name}}
  replicas: {{replicas}}
  selector: { matchLabels: { app.kubernetes.io/name: {{name}} } }
  template:
    metadata: { labels: { app.kubernetes.io/name: {{name}} } }
    spec:
      containers:
        - name: postgres
          image: {{image}}
          ports: [{ containerPort: 5432, name: postgres }]
          env:
            - name: POSTGRES_USER
              valueFrom: { secretKeyRef: { name: {{credentials.secretName}}, key: username } }
            - name: POSTGRES_PASSWORD
              valueFrom: { secretKeyRef: { name: {{credentials.secretName}}, key: password } }
            - { name: PGDATA, value: /var/lib/postgresql/data/pgdata }
          resources:
            requests: { cpu: {{cpu}}, memory: {{memory}} }
            limits: { cpu: {{cpu}}, memory: {{memory}} }
          volumeMounts: [{ name: data, mountPath: /var/lib/postgresql/data }]
  volumeClaimTemplates:
    - metadata: { name: data }
      spec:
        accessModes: [ReadWriteOnce]
        resources: { requests: { storage: {{storage}} } }
---
apiVersion: v1
kind: Service
metadata: { name: {{name}}, namespace: {{namespace}} }
spec:
  selector: { app.kubernetes.io/name: {{name}} }
  ports: [{ port: 5432, targetPort: postgres, name: postgres }]
`;
