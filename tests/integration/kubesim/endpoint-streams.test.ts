// Workload endpoints beyond the JSON echo: a chunked response streamed chunk by chunk (`/_stream`), and
// WebSocket upgrades that echo messages and close when the last Ready pod goes away.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Kubesim } from "../../../kubesim/index";
import { PORT_ANNOTATION } from "../../../kubesim/endpoints";
import { openWebSocket } from "../gateway/ws-client";
import { clientsFor, deployment, freshNamespace, startTestSim, waitFor, type Clients } from "./helpers";

let sim: Kubesim;
let c: Clients;
let port = 0;
let ns = "";

beforeAll(async () => {
  sim = await startTestSim();
  c = clientsFor(sim);
  ns = await freshNamespace(c);
  await c.core.createNamespacedService({ namespace: ns, body: { metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } } });
  const svc = await waitFor("port published", async () => {
    const s = await c.core.readNamespacedService({ name: "web", namespace: ns });
    return s.metadata?.annotations?.[PORT_ANNOTATION] ? s : undefined;
  });
  port = Number(svc.metadata!.annotations![PORT_ANNOTATION]);
  await c.apps.createNamespacedDeployment({ namespace: ns, body: deployment("web", 1) });
  await waitFor("answers", async () => (await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined))?.status === 200);
});

afterAll(async () => {
  await sim?.stop();
});

function pieces(path: string): Promise<{ status: number; chunks: string[]; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
        const chunks: string[] = [];
        res.setEncoding("utf8");
        res.on("data", (d: string) => chunks.push(d));
        res.on("end", () => resolve({ status: res.statusCode!, chunks, headers: res.headers }));
      })
      .on("error", reject);
  });
}

describe("workload endpoint streams and WebSockets", () => {
  it("streams N chunks M ms apart as a chunked response", async () => {
    const r = await pieces("/_stream?chunks=3&delayMs=100");
    expect(r.status).toBe(200);
    expect(r.headers["transfer-encoding"]).toBe("chunked");
    expect(r.headers["x-kubesim-pod"]).toBeTruthy();
    expect(r.chunks).toEqual(["chunk 0\n", "chunk 1\n", "chunk 2\n"]);
    // Other paths still echo JSON.
    const echo = (await (await fetch(`http://127.0.0.1:${port}/other`)).json()) as { path: string };
    expect(echo.path).toBe("/other");
  });

  it("accepts WebSocket upgrades, echoes messages, and closes them when no pod is Ready", async () => {
    const ws = await openWebSocket(`http://127.0.0.1:${port}/ws`);
    expect(ws.headers["x-kubesim-pod"]).toBeTruthy();
    ws.send("one");
    ws.send("two");
    expect(await ws.next()).toBe("one");
    expect(await ws.next()).toBe("two");
    ws.send("é".repeat(40_000));
    expect(await ws.next()).toBe("é".repeat(40_000));
    await c.apps.patchNamespacedDeploymentScale({ name: "web", namespace: ns, body: [{ op: "replace", path: "/spec/replicas", value: 0 }] });
    await expect(ws.next()).rejects.toThrow(/closed/);
  });
});
