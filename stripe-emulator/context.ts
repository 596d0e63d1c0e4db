// The running emulator's shared state handed to every handler: store, clock, settings, webhooks, and event emission.
import { EmulatorClock } from "./clock";
import { newId } from "./ids";
import type { Store } from "./store";
import type { AnyObj, EmulatorSettings, EventObj } from "./types";
import type { WebhookDispatcher } from "./webhooks";

export interface RequestInfo {
  id: string | null;
  idempotencyKey: string | null;
}

export class EmulatorContext {
  /** Set by the router while a request is handled, so events name the request that caused them. */
  currentRequest: RequestInfo = { id: null, idempotencyKey: null };
  baseUrl = "";

  constructor(
    public store: Store,
    public clock: EmulatorClock,
    public settings: EmulatorSettings,
    public webhooks: WebhookDispatcher,
    public apiVersion: string,
    private publicUrlOverride?: string,
  ) {}

  /** Base URL of the hosted pages. */
  publicUrl(): string {
    return (this.publicUrlOverride ?? this.baseUrl).replace(/\/$/, "");
  }

  now(): number {
    return this.clock.now();
  }

  /** Records an event (GET /v1/events) and queues it for the webhook endpoint. */
  emit(type: string, object: AnyObj, previousAttributes?: Record<string, unknown>): EventObj {
    const event: EventObj = {
      id: newId("evt"),
      object: "event",
      api_version: this.apiVersion,
      created: this.now(),
      data: { object: structuredClone(object) as unknown as Record<string, unknown> },
      livemode: false,
      pending_webhooks: 0,
      request: { id: this.currentRequest.id, idempotency_key: this.currentRequest.idempotencyKey },
      type,
    };
    if (previousAttributes) event.data.previous_attributes = structuredClone(previousAttributes);
    delete event.data.object.line_items;
    this.store.events.set(event.id, event);
    if (this.webhooks.config.url) event.pending_webhooks = 1;
    if (!this.webhooks.enqueue(event)) event.pending_webhooks = 0;
    return event;
  }
}
