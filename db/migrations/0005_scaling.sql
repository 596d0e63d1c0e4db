ALTER TABLE "instances" ADD COLUMN "idle_timeout_seconds" integer;--> statement-breakpoint
ALTER TABLE "instances" ADD COLUMN "pinned_awake" boolean DEFAULT false NOT NULL;