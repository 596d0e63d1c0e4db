CREATE TABLE "maintenance_windows" (
	"org_id" uuid PRIMARY KEY NOT NULL,
	"timezone" text NOT NULL,
	"windows" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rollout_targets" (
	"rollout_id" uuid NOT NULL,
	"instance_id" uuid NOT NULL,
	"org_id" uuid NOT NULL,
	"wave" integer NOT NULL,
	"position" integer NOT NULL,
	"from_version_id" uuid NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"run_id" uuid,
	"detail" text,
	"scheduled_for" timestamp with time zone,
	"deferred_by" text,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"upgrade_ms" integer,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rollout_targets_rollout_id_instance_id_pk" PRIMARY KEY("rollout_id","instance_id")
);
--> statement-breakpoint
CREATE TABLE "rollouts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"service_id" uuid NOT NULL,
	"to_version_id" uuid NOT NULL,
	"first_version_id" uuid NOT NULL,
	"status" text NOT NULL,
	"pause_reason" text,
	"target" jsonb NOT NULL,
	"wave_plan" jsonb NOT NULL,
	"wave_count" integer NOT NULL,
	"current_wave" integer DEFAULT 0 NOT NULL,
	"soak_seconds" integer NOT NULL,
	"soak_started_at" timestamp with time zone,
	"max_parallel" integer NOT NULL,
	"failure_threshold" jsonb NOT NULL,
	"failures_acknowledged" integer DEFAULT 0 NOT NULL,
	"respect_maintenance_windows" boolean DEFAULT true NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"run_id" uuid,
	"target_count" integer NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "upgrade_notices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"rollout_id" uuid NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"dismissed_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "service_versions" ADD COLUMN "release_notes" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "service_versions" ADD COLUMN "snapshot_before_upgrade" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "service_versions" ADD COLUMN "replica_gate_seconds" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "service_versions" ADD COLUMN "mandatory" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "service_versions" ADD COLUMN "deadline_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "maintenance_windows" ADD CONSTRAINT "maintenance_windows_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollout_targets" ADD CONSTRAINT "rollout_targets_rollout_id_rollouts_id_fk" FOREIGN KEY ("rollout_id") REFERENCES "public"."rollouts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollout_targets" ADD CONSTRAINT "rollout_targets_instance_id_instances_id_fk" FOREIGN KEY ("instance_id") REFERENCES "public"."instances"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollout_targets" ADD CONSTRAINT "rollout_targets_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollout_targets" ADD CONSTRAINT "rollout_targets_from_version_id_service_versions_id_fk" FOREIGN KEY ("from_version_id") REFERENCES "public"."service_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_to_version_id_service_versions_id_fk" FOREIGN KEY ("to_version_id") REFERENCES "public"."service_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rollouts" ADD CONSTRAINT "rollouts_first_version_id_service_versions_id_fk" FOREIGN KEY ("first_version_id") REFERENCES "public"."service_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "upgrade_notices" ADD CONSTRAINT "upgrade_notices_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "upgrade_notices" ADD CONSTRAINT "upgrade_notices_rollout_id_rollouts_id_fk" FOREIGN KEY ("rollout_id") REFERENCES "public"."rollouts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "rollout_targets_instance_idx" ON "rollout_targets" USING btree ("instance_id");--> statement-breakpoint
CREATE INDEX "rollout_targets_status_idx" ON "rollout_targets" USING btree ("rollout_id","wave","status");--> statement-breakpoint
CREATE INDEX "rollouts_service_idx" ON "rollouts" USING btree ("service_id","created_at");--> statement-breakpoint
CREATE INDEX "upgrade_notices_org_idx" ON "upgrade_notices" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "upgrade_notices_rollout_org_key" ON "upgrade_notices" USING btree ("rollout_id","org_id");