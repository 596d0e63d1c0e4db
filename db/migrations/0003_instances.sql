CREATE TABLE "instances" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"org_id" uuid NOT NULL,
	"service_id" uuid NOT NULL,
	"plan_id" uuid NOT NULL,
	"version_id" uuid NOT NULL,
	"name" text NOT NULL,
	"region" text,
	"cluster_id" uuid,
	"namespace" text NOT NULL,
	"desired_state" text DEFAULT 'running' NOT NULL,
	"desired_replicas" integer NOT NULL,
	"observed_state" text DEFAULT 'pending' NOT NULL,
	"observed_replicas" integer DEFAULT 0 NOT NULL,
	"status_message" text,
	"endpoint_host" text,
	"endpoint_port" integer,
	"parameters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"credentials_revealed_at" timestamp with time zone,
	"last_activity_at" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "instances" ADD CONSTRAINT "instances_org_id_organizations_id_fk" FOREIGN KEY ("org_id") REFERENCES "public"."organizations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instances" ADD CONSTRAINT "instances_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instances" ADD CONSTRAINT "instances_plan_id_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instances" ADD CONSTRAINT "instances_version_id_service_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."service_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "instances" ADD CONSTRAINT "instances_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "instances_org_name_key" ON "instances" USING btree ("org_id","name") WHERE "instances"."deleted_at" is null;--> statement-breakpoint
CREATE INDEX "instances_org_idx" ON "instances" USING btree ("org_id","created_at");--> statement-breakpoint
CREATE INDEX "instances_cluster_idx" ON "instances" USING btree ("cluster_id");