CREATE TABLE "cluster_nodes" (
	"cluster_id" uuid NOT NULL,
	"name" text NOT NULL,
	"zone" text DEFAULT '' NOT NULL,
	"allocatable_cpu_millis" integer NOT NULL,
	"allocatable_memory_mb" integer NOT NULL,
	"allocatable_pods" integer NOT NULL,
	"foreign_cpu_millis" integer DEFAULT 0 NOT NULL,
	"foreign_memory_mb" integer DEFAULT 0 NOT NULL,
	"foreign_pods" integer DEFAULT 0 NOT NULL,
	"managed_cpu_millis" integer DEFAULT 0 NOT NULL,
	"managed_memory_mb" integer DEFAULT 0 NOT NULL,
	"managed_pods" integer DEFAULT 0 NOT NULL,
	"ready" boolean NOT NULL,
	"unschedulable" boolean DEFAULT false NOT NULL,
	"conditions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"taints" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"synced_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cluster_nodes_cluster_id_name_pk" PRIMARY KEY("cluster_id","name")
);
--> statement-breakpoint
CREATE TABLE "clusters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"region" text NOT NULL,
	"zones" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"kubeconfig_encrypted" text NOT NULL,
	"server_url" text NOT NULL,
	"kubernetes_version" text,
	"cost_per_node_hour_cents" integer,
	"labels" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"status_reason" text,
	"cordoned" boolean DEFAULT false NOT NULL,
	"last_synced_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "clusters_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "placement_decisions" (
	"subject_id" uuid PRIMARY KEY NOT NULL,
	"decided_at" timestamp with time zone DEFAULT now() NOT NULL,
	"placed" boolean NOT NULL,
	"cluster_id" uuid,
	"nodes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"reason" text,
	"shortfall" jsonb,
	"candidates" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"request" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rebalancing_proposals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"moves" jsonb NOT NULL,
	"freed_nodes" jsonb NOT NULL,
	"emptied_clusters" jsonb NOT NULL,
	"skipped" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reservations" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "reservations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"subject_id" uuid NOT NULL,
	"cluster_id" uuid NOT NULL,
	"node_name" text NOT NULL,
	"replica" integer NOT NULL,
	"cpu_millis" integer NOT NULL,
	"memory_mb" integer NOT NULL,
	"storage_gb" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "cluster_nodes" ADD CONSTRAINT "cluster_nodes_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "placement_decisions" ADD CONSTRAINT "placement_decisions_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reservations" ADD CONSTRAINT "reservations_cluster_id_clusters_id_fk" FOREIGN KEY ("cluster_id") REFERENCES "public"."clusters"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "reservations_cluster_node_idx" ON "reservations" USING btree ("cluster_id","node_name");--> statement-breakpoint
CREATE UNIQUE INDEX "reservations_subject_replica_key" ON "reservations" USING btree ("subject_id","replica");