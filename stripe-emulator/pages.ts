// Hosted pages a browser visits: checkout (/checkout/:id with Pay and Decline card), customer portal (/portal/:id with
// Cancel subscription), hosted invoice (/invoices/:id with Pay) and its PDF.
import type { IncomingMessage, ServerResponse } from "node:http";
import { attemptPayment, formatAmount } from "./billing";
import type { EmulatorContext } from "./context";
import { StripeApiError } from "./errors";
import { decodeForm } from "./form-decode";
import { textPdf } from "./pdf";
import { completeCheckout } from "./resources/checkout";
import { previousAttributes } from "./resources/util";
import type { InvoiceObj, SubscriptionObj } from "./types";

const esc = (s: unknown) =>
  String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

const date = (ts: number | null | undefined) => (ts ? new Date(ts * 1000).toISOString().slice(0, 10) : "—");

function layout(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>
body{font-family:system-ui,sans-serif;background:#f6f9fc;color:#1a1f36;margin:0}main{max-width:560px;margin:40px auto;background:#fff;border-radius:8px;padding:32px;box-shadow:0 2px 8px #0001}
h1{font-size:20px}table{width:100%;border-collapse:collapse}td,th{padding:6px 0;text-align:left;border-bottom:1px solid #eee}td.r,th.r{text-align:right}
button{font-size:15px;padding:10px 18px;border-radius:6px;border:0;cursor:pointer;margin:4px 8px 4px 0}.pay{background:#635bff;color:#fff}.decline{background:#eee}.danger{background:#df1b41;color:#fff}
.error{color:#df1b41}.muted{color:#697386;font-size:13px}label{display:block;margin:8px 0}input{width:100%;padding:8px;box-sizing:border-box}
</style></head><body><main><p class="muted">Stripe emulator · test mode</p>${body}</main></body></html>`;
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
  res.end(html);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { Location: location });
  res.end();
}

function checkoutPage(ctx: EmulatorContext, id: string, error?: string): [number, string] {
  const s = ctx.store.checkoutSessions.get(id);
  if (!s) return [404, layout("Not found", "<h1>This checkout session does not exist.</h1>")];
  if (s.status !== "open")
    return [200, layout("Checkout", `<h1>This checkout session is ${esc(s.status)}.</h1>${s.success_url && s.status === "complete" ? `<a href="${esc(s.success_url.replace("{CHECKOUT_SESSION_ID}", s.id))}">Continue</a>` : ""}`)];
  const rows = (s.line_items?.data ?? [])
    .map((li) => {
      const price = ctx.store.prices.get(li.price);
      const metered = price?.recurring?.usage_type === "metered";
      const unit = price?.unit_amount !== null && price?.unit_amount !== undefined ? formatAmount(price.unit_amount, li.currency) : `${price?.unit_amount_decimal}¢`;
      const per = price?.recurring ? (metered ? " per unit, billed monthly by usage" : ` / ${price.recurring.interval}`) : "";
      return `<tr><td>${esc(li.description)}${li.quantity && li.quantity > 1 ? ` × ${li.quantity}` : ""}<div class="muted">${esc(unit + per)}</div></td><td class="r">${metered ? "usage" : esc(formatAmount(li.amount_total, li.currency))}</td></tr>`;
    })
    .join("");
  const customer = s.customer ? ctx.store.customers.get(s.customer) : undefined;
  const email = customer?.email ?? s.customer_email ?? "";
  return [
    error ? 402 : 200,
    layout(
      "Checkout",
      `<h1>${s.mode === "subscription" ? "Subscribe" : "Pay"}</h1>
<table>${rows}<tr><th>Due today</th><th class="r" id="total">${esc(formatAmount(s.amount_total, s.currency ?? "usd"))}</th></tr></table>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ""}
<form method="post" action="/checkout/${esc(s.id)}/pay">
<label>Email <input name="email" type="email" value="${esc(email)}" ${customer ? "readonly" : ""}></label>
<label>Card number <input name="card" value="4242 4242 4242 4242" readonly></label>
<label>Name on card <input name="name" value="${esc(customer?.name ?? "")}"></label>
<button class="pay" type="submit">Pay</button>
<button class="decline" type="submit" formaction="/checkout/${esc(s.id)}/decline">Decline card</button>
</form>${s.cancel_url ? `<p><a href="${esc(s.cancel_url)}">Cancel and go back</a></p>` : ""}`,
    ),
  ];
}

function subscriptionRow(ctx: EmulatorContext, sub: SubscriptionObj, portalId: string): string {
  const items = sub.items.data
    .map((i) => `${esc(ctx.store.products.get(i.price.product)?.name ?? i.price.product)}${i.price.recurring?.usage_type === "metered" ? " (usage)" : ""}`)
    .join(", ");
  const end = sub.items.data[0]?.current_period_end;
  const action = sub.cancel_at_period_end
    ? `<p>Cancels on ${date(sub.cancel_at ?? end)}.</p><form method="post" action="/portal/${esc(portalId)}/renew"><input type="hidden" name="subscription" value="${esc(sub.id)}"><button class="pay" type="submit">Renew subscription</button></form>`
    : `<form method="post" action="/portal/${esc(portalId)}/cancel"><input type="hidden" name="subscription" value="${esc(sub.id)}"><button class="danger" type="submit">Cancel subscription</button></form>`;
  return `<section data-subscription="${esc(sub.id)}"><h2>${items}</h2><p>Status: <strong class="status">${esc(sub.status)}</strong> · current period ${date(sub.items.data[0]?.current_period_start)} – ${date(end)}</p>${action}</section>`;
}

function portalPage(ctx: EmulatorContext, id: string): [number, string] {
  const p = ctx.store.portalSessions.get(id);
  if (!p) return [404, layout("Not found", "<h1>This portal session does not exist.</h1>")];
  const customer = ctx.store.customers.get(p.customer);
  const subs = [...ctx.store.subscriptions.values()].filter((s) => s.customer === p.customer && s.status !== "canceled");
  const invoices = [...ctx.store.invoices.values()].filter((i) => i.customer === p.customer && i.status !== "draft").reverse();
  const invoiceRows = invoices
    .map((i) => `<tr><td><a href="${esc(i.hosted_invoice_url)}">${esc(i.number)}</a></td><td>${date(i.created)}</td><td>${esc(i.status)}</td><td class="r">${esc(formatAmount(i.total, i.currency))}</td></tr>`)
    .join("");
  return [
    200,
    layout(
      "Billing",
      `<h1>Billing for ${esc(customer?.email ?? p.customer)}</h1>
${subs.length ? subs.map((s) => subscriptionRow(ctx, s, id)).join("") : "<p>No active subscription.</p>"}
<h2>Invoices</h2><table>${invoiceRows || "<tr><td>No invoices yet.</td></tr>"}</table>
${p.return_url ? `<p><a href="${esc(p.return_url)}">Return</a></p>` : ""}`,
    ),
  ];
}

function invoicePage(inv: InvoiceObj, error?: string): [number, string] {
  const rows = inv.lines.data
    .map((l) => `<tr><td>${esc(l.description)}<div class="muted">${date(l.period.start)} – ${date(l.period.end)}</div></td><td class="r">${esc(formatAmount(l.amount, l.currency))}</td></tr>`)
    .join("");
  const pay =
    inv.status === "open"
      ? `<form method="post" action="/invoices/${esc(inv.id)}/pay"><button class="pay" type="submit">Pay ${esc(formatAmount(inv.amount_remaining, inv.currency))}</button><button class="decline" type="submit" formaction="/invoices/${esc(inv.id)}/decline">Decline card</button></form>`
      : "";
  return [
    error ? 402 : 200,
    layout(
      `Invoice ${inv.number ?? inv.id}`,
      `<h1>Invoice ${esc(inv.number ?? inv.id)}</h1><p>Status: <strong class="status">${esc(inv.status)}</strong></p>
<table>${rows}<tr><th>Total</th><th class="r">${esc(formatAmount(inv.total, inv.currency))}</th></tr></table>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ""}${pay}<p><a href="/invoices/${esc(inv.id)}/pdf">Download PDF</a></p>`,
    ),
  ];
}

function invoicePdf(ctx: EmulatorContext, inv: InvoiceObj): Buffer {
  const customer = ctx.store.customers.get(inv.customer);
  return textPdf([
    `Invoice ${inv.number ?? inv.id}`,
    `Billed to: ${customer?.email ?? inv.customer}`,
    `Period: ${date(inv.period_start)} - ${date(inv.period_end)}`,
    `Status: ${inv.status}`,
    "",
    ...inv.lines.data.map((l) => `${l.description ?? ""}   ${formatAmount(l.amount, l.currency)}`),
    "",
    `Total: ${formatAmount(inv.total, inv.currency)}`,
  ]);
}

function setCancelAtPeriodEnd(ctx: EmulatorContext, sub: SubscriptionObj, cancel: boolean): void {
  if (sub.status === "canceled" || sub.cancel_at_period_end === cancel) return;
  const before = structuredClone(sub);
  const end = sub.items.data[0]?.current_period_end ?? null;
  sub.cancel_at_period_end = cancel;
  sub.cancel_at = cancel ? end : null;
  sub.canceled_at = cancel ? ctx.now() : null;
  if (sub.cancellation_details) sub.cancellation_details.reason = cancel ? "cancellation_requested" : null;
  ctx.emit("customer.subscription.updated", sub, previousAttributes(before, sub));
}

/** Serves a hosted page; returns false when the path is not one. */
export function handlePage(ctx: EmulatorContext, req: IncomingMessage, res: ServerResponse, path: string, body: string): boolean {
  const method = req.method ?? "GET";
  const form = decodeForm(body);
  const field = (k: string) => (typeof form[k] === "string" ? (form[k] as string) : "");
  let m: RegExpExecArray | null;
  ctx.currentRequest = { id: null, idempotencyKey: null };
  try {
    if ((m = /^\/checkout\/([^/]+)$/.exec(path)) && method === "GET") {
      send(res, ...checkoutPage(ctx, decodeURIComponent(m[1] ?? "")));
      return true;
    }
    if ((m = /^\/checkout\/([^/]+)\/(pay|decline)$/.exec(path)) && method === "POST") {
      const id = decodeURIComponent(m[1] ?? "");
      const s = ctx.store.checkoutSessions.get(id);
      if (!s || s.status !== "open") send(res, ...checkoutPage(ctx, id));
      else if (m[2] === "decline") send(res, ...checkoutPage(ctx, id, "Your card was declined."));
      else redirect(res, completeCheckout(ctx, s, { email: field("email"), name: field("name") }));
      return true;
    }
    if ((m = /^\/portal\/([^/]+)$/.exec(path)) && method === "GET") {
      send(res, ...portalPage(ctx, decodeURIComponent(m[1] ?? "")));
      return true;
    }
    if ((m = /^\/portal\/([^/]+)\/(cancel|renew)$/.exec(path)) && method === "POST") {
      const id = decodeURIComponent(m[1] ?? "");
      const p = ctx.store.portalSessions.get(id);
      const sub = ctx.store.subscriptions.get(field("subscription"));
      if (p && sub && sub.customer === p.customer) setCancelAtPeriodEnd(ctx, sub, m[2] === "cancel");
      redirect(res, `/portal/${encodeURIComponent(id)}`);
      return true;
    }
    if ((m = /^\/invoices\/([^/]+)(\/pdf)?$/.exec(path)) && method === "GET") {
      const inv = ctx.store.invoices.get(decodeURIComponent(m[1] ?? ""));
      if (!inv) send(res, 404, layout("Not found", "<h1>This invoice does not exist.</h1>"));
      else if (m[2]) {
        const pdf = invoicePdf(ctx, inv);
        res.writeHead(200, { "Content-Type": "application/pdf", "Content-Length": pdf.length });
        res.end(pdf);
      } else send(res, ...invoicePage(inv));
      return true;
    }
    if ((m = /^\/invoices\/([^/]+)\/(pay|decline)$/.exec(path)) && method === "POST") {
      const inv = ctx.store.invoices.get(decodeURIComponent(m[1] ?? ""));
      if (!inv) send(res, 404, layout("Not found", "<h1>This invoice does not exist.</h1>"));
      else if (inv.status !== "open") send(res, ...invoicePage(inv));
      else {
        const paid = attemptPayment(ctx, inv, m[2] === "pay" ? "succeed" : "fail");
        send(res, ...invoicePage(inv, paid ? undefined : "Your card was declined."));
      }
      return true;
    }
  } catch (err) {
    const message = err instanceof StripeApiError ? err.body.message : String(err);
    send(res, 400, layout("Error", `<h1>Error</h1><p class="error">${esc(message)}</p>`));
    return true;
  }
  return false;
}
