// "Can N instances of plan P fit, and if not, how many nodes of shape S are missing?" asked of the placement engine.
"use client";
import { skipToken, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Alert, Button, Card, CardBody, CardHeader, ErrorMessage, Field, Input, LoadingBlock, Select } from "@/components/ui";
import { useTRPC } from "@/lib/trpc/client";
import { fieldErrorsOf } from "@/lib/trpc/errors";
import type { RouterInputs, RouterOutputs } from "@/lib/trpc/types";
import { asSentence, formatMib, formatShape, formatVcpu, ordinal, plural } from "./format";

type Question = RouterInputs["placement"]["whatIf"];
type Answer = RouterOutputs["placement"]["whatIf"];
type Service = RouterOutputs["catalog"]["adminList"][number];

function shortfallText(s: { cpuMillis: number; memoryMb: number; pods: number }): string | null {
  const parts = [s.cpuMillis > 0 && formatVcpu(s.cpuMillis), s.memoryMb > 0 && formatMib(s.memoryMb), s.pods > 0 && plural(s.pods, "pod slot")].filter(Boolean);
  return parts.length ? parts.join(" · ") : null;
}

/** The answer in one sentence, e.g. "23 of 40 fit; add 3 nodes of 8 vCPU / 32 GiB to dev-eu." */
export function whatIfSentence(a: Pick<Answer, "count" | "fits" | "placed" | "missingNodes" | "additions">, q: Pick<Question, "region" | "nodeShape">): string {
  if (a.fits) return a.count === 1 ? "It fits." : `All ${a.count.toLocaleString("en-US")} fit.`;
  const head = a.placed === 0 ? (a.count === 1 ? "It does not fit" : `None of the ${a.count.toLocaleString("en-US")} fit`) : `${a.placed.toLocaleString("en-US")} of ${a.count.toLocaleString("en-US")} fit`;
  if (!a.missingNodes || !q.nodeShape) return `${head}.`;
  const where = (x: Answer["additions"][number]) => (x.virtual ? `a new cluster${q.region ? ` in ${q.region}` : ""}` : x.name);
  const shape = formatShape(q.nodeShape);
  if (a.additions.length <= 1) {
    const target = a.additions[0];
    return `${head}; add ${plural(a.missingNodes, "node")} of ${shape}${target ? ` to ${where(target)}` : ""}.`;
  }
  return `${head}; add ${plural(a.missingNodes, "node")} of ${shape}: ${a.additions.map((x) => `${x.nodes} to ${where(x)}`).join(", ")}.`;
}

function requestText(r: Answer["request"]): string {
  const spread = r.antiAffinity === "zone" ? ", each in a different zone" : r.antiAffinity === "node" ? ", each on a different node" : "";
  const each = `${formatVcpu(r.cpuMillis)} / ${formatMib(r.memoryMb)}`;
  return r.replicas === 1 ? `one replica of ${each}` : `${r.replicas} replicas of ${each}${spread}`;
}

const num = (v: string) => (v.trim() === "" ? Number.NaN : Number(v));

export function WhatIfCard({ regions }: { regions: string[] }) {
  const trpc = useTRPC();
  const catalog = useQuery(trpc.catalog.adminList.queryOptions());
  const services = (catalog.data ?? []) as Service[];
  const firstPlan = services.flatMap((s) => s.plans).find((p) => p.active)?.id ?? services.flatMap((s) => s.plans)[0]?.id ?? "";

  const [f, setF] = useState({ planId: "", count: "10", region: "", cpu: "", memory: "", pods: "110" });
  const [asked, setAsked] = useState<Question | null>(null);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const answer = useQuery(trpc.placement.whatIf.queryOptions(asked ?? skipToken, { staleTime: 0 }));
  const text = (k: keyof typeof f) => (e: { target: { value: string } }) => setF((s) => ({ ...s, [k]: e.target.value }));
  const planId = f.planId || firstPlan;
  const errors = { ...fieldErrorsOf(answer.error), ...problems };

  function ask() {
    const p: Record<string, string> = {};
    const count = num(f.count);
    if (!Number.isInteger(count) || count < 1 || count > 100_000) p.count = "A whole number from 1 to 100,000";
    const wantsShape = f.cpu.trim() !== "" || f.memory.trim() !== "";
    let nodeShape: Question["nodeShape"];
    if (wantsShape) {
      const cpu = num(f.cpu);
      const mem = num(f.memory);
      const pods = f.pods.trim() === "" ? 110 : num(f.pods);
      if (!(cpu >= 0.1)) p.nodeShape = "Give the node's vCPU (at least 0.1) and memory in GiB, or leave both empty";
      else if (!(mem >= 0.125)) p.nodeShape = "Give the node's memory in GiB (at least 0.125), or leave both empty";
      else if (!Number.isInteger(pods) || pods < 1 || pods > 1000) p.nodeShape = "Pods per node: a whole number from 1 to 1,000";
      else nodeShape = { cpuMillis: Math.round(cpu * 1000), memoryMb: Math.round(mem * 1024), pods };
    }
    if (!planId) p.planId = "Choose a plan";
    setProblems(p);
    if (Object.keys(p).length) return;
    const q: Question = { planId, count, ...(f.region ? { region: f.region } : {}), ...(nodeShape ? { nodeShape } : {}) };
    if (asked && JSON.stringify(asked) === JSON.stringify(q)) void answer.refetch();
    else setAsked(q);
  }

  return (
    <Card>
      <CardHeader title="What if" description="Can N more instances of a plan fit on the fleet as it is now? And if not, how many nodes of a given shape are missing?" />
      <CardBody className="space-y-5">
        <form
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            ask();
          }}
        >
          {catalog.error && <ErrorMessage error={catalog.error} />}
          <div className="grid gap-4 sm:grid-cols-[2fr_1fr_1fr]">
            <Field label="Plan" error={errors.planId}>
              <Select name="planId" value={planId} onChange={text("planId")} disabled={catalog.isPending || services.length === 0}>
                {catalog.isPending && <option value="">Loading plans…</option>}
                {!catalog.isPending && services.length === 0 && <option value="">The catalog has no plans</option>}
                {services
                  .filter((s) => s.plans.length > 0)
                  .map((s) => (
                    <optgroup key={s.id} label={s.archived ? `${s.name} (archived)` : s.name}>
                      {s.plans.map((p) => (
                        <option key={p.id} value={p.id}>
                          {p.name} — {p.replicas > 1 ? `${p.replicas} × ` : ""}
                          {formatVcpu(p.cpuMillis)} / {formatMib(p.memoryMb)}
                          {p.active ? "" : " (inactive)"}
                        </option>
                      ))}
                    </optgroup>
                  ))}
              </Select>
            </Field>
            <Field label="Instances" error={errors.count}>
              <Input name="count" type="number" min={1} max={100000} required value={f.count} onChange={text("count")} />
            </Field>
            <Field label="Region" optional error={errors.region}>
              <Select name="region" value={f.region} onChange={text("region")}>
                <option value="">Any region</option>
                {regions.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </Select>
            </Field>
          </div>
          <fieldset>
            <legend className="text-sm font-medium text-zinc-800">
              Node shape to add <span className="font-normal text-zinc-500">(optional)</span>
            </legend>
            <p className="mt-0.5 text-xs text-zinc-500">Give it to learn how many nodes of this shape would make them all fit, and where they would go.</p>
            <div className="mt-2 grid gap-4 sm:grid-cols-3">
              <Field label="vCPU per node">
                <Input name="cpu" type="number" min={0.1} step="any" placeholder="8" value={f.cpu} onChange={text("cpu")} />
              </Field>
              <Field label="Memory per node (GiB)">
                <Input name="memory" type="number" min={0.125} step="any" placeholder="32" value={f.memory} onChange={text("memory")} />
              </Field>
              <Field label="Pods per node">
                <Input name="pods" type="number" min={1} max={1000} value={f.pods} onChange={text("pods")} />
              </Field>
            </div>
            {errors.nodeShape && <p className="mt-1.5 text-sm text-red-700">{errors.nodeShape}</p>}
          </fieldset>
          <div className="flex justify-end">
            <Button type="submit" loading={answer.isFetching} disabled={!planId}>
              Ask
            </Button>
          </div>
        </form>
        {asked && <WhatIfAnswer question={asked} answer={answer.data} pending={answer.isPending} error={answer.error} />}
      </CardBody>
    </Card>
  );
}

function WhatIfAnswer({ question, answer, pending, error }: { question: Question; answer: Answer | undefined; pending: boolean; error: unknown }) {
  if (pending) return <LoadingBlock label="Asking the placement engine" />;
  if (error) return <ErrorMessage error={error} />;
  if (!answer) return null;
  const short = answer.pending && shortfallText(answer.pending.shortfall);
  return (
    <section aria-label="Answer" aria-live="polite" className="space-y-3">
      <Alert tone={answer.fits ? "success" : answer.missingNodes ? "warning" : "error"}>
        <p className="text-base font-semibold">{whatIfSentence(answer, question)}</p>
        <p className="mt-1">
          {answer.plan.name}: {requestText(answer.request)}
          {question.region ? `, in ${question.region}` : ", in any region"}.
        </p>
      </Alert>
      {answer.pending && (
        <div className="rounded-md bg-zinc-50 px-4 py-3 text-sm text-zinc-700 ring-1 ring-zinc-200 ring-inset">
          <p>
            <span className="font-medium text-zinc-900">
              {answer.placed === 0
                ? answer.count === 1
                  ? "Why it does not fit on the fleet as it is: "
                  : "Why not even one fits on the fleet as it is: "
                : `Why the ${ordinal(answer.placed + 1)} does not fit on the fleet as it is: `}
            </span>
            {asSentence(answer.pending.reason)}
          </p>
          {short && (
            <p className="mt-1">
              <span className="font-medium text-zinc-900">Short by: </span>
              {short}
            </p>
          )}
        </div>
      )}
      {answer.note && <p className="text-sm text-zinc-600">{asSentence(answer.note)}</p>}
    </section>
  );
}
