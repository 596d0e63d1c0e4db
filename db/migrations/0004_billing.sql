CREATE TABLE "billing_accounts" (
	"org_id" uuid PRIMARY KEY NOT NULL,
	"stripe_customer_id" text,
	"stripe_subscription_id" text,
	"subscription_status" text,
	"current_period_start" timestamp with time zone,
	"current_period_end" timestamp with time zone,
	"cancel_at_period_end" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'none' NOT NULL,
	"payment_failed_at" timestamp with time zone,
	"grace_until" timestamp with time zone,
	"suspended_at" timestamp with time zone,
	"items_synced" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "billing_accounts_stripe_customer_id_unique" UNIQUE("stripe_customer_id")
);
--> statement-breakpoint
CREATE TABLE "billing_exports" (
	"identifier" text PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"meter" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"revision" integer NOT NULL,
	"value_micro" bigint NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "billing_invoices" (
	"id" text PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"number" text,
	"status" text NOT NULL,
	"currency" text NOT NULL,
	"amount_due" integer NOT NULL,
	"amount_paid" integer NOT NULL,
	"period_start" timestamp with time zone,
	"period_end" timestamp with time zone,
	"hosted_invoice_url" text,
	"invoice_pdf" text,
	"created" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "billing_meters" (
	"meter" text PRIMARY KEY NOT NULL,
	"stripe_meter_id" text NOT NULL,
	"stripe_price_id" text NOT NULL,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "billing_reconciliations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"meter" text NOT NULL,
	"period_start" timestamp with time zone NOT NULL,
	"period_end" timestamp with time zone NOT NULL,
	"local_micro" bigint NOT NULL,
	"stripe_micro" bigint NOT NULL,
	"drift_micro" bigint NOT NULL,
	"checked_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "stripe_events" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"created" timestamp with time zone NOT NULL,
	"payload" jsonb NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone,
	"error" text
);
--> statement-breakpoint
CREATE TABLE "usage_events" (
	"key" text PRIMARY KEY NOT NULL,
	"org_id" uuid NOT NULL,
	"instance_id" uuid NOT NULL,
	"meter" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"quantity_micro" bigint NOT NULL,
	"billable" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "usage_hour_totals" (
	"org_id" uuid NOT NULL,
	"meter" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"total_micro" bigint NOT NULL,
	"exported_micro" bigint DEFAULT 0 NOT NULL,
	"revision" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "usage_hour_totals_org_id_meter_hour_pk" PRIMARY KEY("org_id","meter","hour")
);
--> statement-breakpoint
CREATE TABLE "usage_rollups" (
	"org_id" uuid NOT NULL,
	"instance_id" uuid NOT NULL,
	"meter" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"quantity_micro" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "usage_rollups_org_id_instance_id_meter_hour_pk" PRIMARY KEY("org_id","instance_id","meter","hour")
);
--> statement-breakpoint
CREATE TABLE "usage_segments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"instance_id" uuid NOT NULL,
	"plan_id" uuid NOT NULL,
	"replicas" integer NOT NULL,
	"cpu_millis" integer NOT NULL,
	"memory_mb" integer NOT NULL,
	"storage_gb" integer NOT NULL,
	"billable" boolean DEFAULT true NOT NULL,
	"started_at" timestamp (3) with time zone NOT NULL,
	"ended_at" timestamp (3) with time zone,
	"metered_until" timestamp (3) with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "instances" ADD COLUMN "stopped_for_billing" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "billing_accounts" ADD CONSTRAINT "billing_accounts_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "billing_exports" ADD CONSTRAINT "billing_exports_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "billing_invoices" ADD CONSTRAINT "billing_invoices_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "billing_reconciliations" ADD CONSTRAINT "billing_reconciliations_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_segments" ADD CONSTRAINT "usage_segments_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_segments" ADD CONSTRAINT "usage_segments_instance_id_instances_id_fk" FOREIGN KEY ("instance_id") REFERENCES "public"."instances"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "usage_segments" ADD CONSTRAINT "usage_segments_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "billing_exports_pending_idx" ON "billing_exports" USING btree ("org_id","meter","hour") WHERE "billing_exports"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "billing_invoices_org_idx" ON "billing_invoices" USING btree ("org_id","created");--> statement-breakpoint
CREATE INDEX "billing_reconciliations_checked_idx" ON "billing_reconciliations" USING btree ("checked_at");--> statement-breakpoint
CREATE INDEX "stripe_events_unprocessed_idx" ON "stripe_events" USING btree ("received_at") WHERE "stripe_events"."processed_at" is null;--> statement-breakpoint
CREATE INDEX "usage_hour_totals_due_idx" ON "usage_hour_totals" USING btree ("hour") WHERE "usage_hour_totals"."total_micro" > "usage_hour_totals"."exported_micro";--> statement-breakpoint
CREATE INDEX "usage_rollups_org_hour_idx" ON "usage_rollups" USING btree ("org_id","hour");--> statement-breakpoint
CREATE UNIQUE INDEX "usage_segments_open_key" ON "usage_segments" USING btree ("instance_id") WHERE "usage_segments"."ended_at" is null;--> statement-breakpoint
CREATE INDEX "usage_segments_unmetered_idx" ON "usage_segments" USING btree ("metered_until");