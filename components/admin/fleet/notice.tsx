// A dismissible line saying how an action went (started, queued, refused and why).
"use client";
import Link from "next/link";
import { Alert } from "@/components/ui";

export type Notice = { tone: "success" | "error" | "info"; text: string; href?: string; linkLabel?: string };

export function NoticeLine({ notice, onDismiss }: { notice: Notice | null; onDismiss: () => void }) {
  if (!notice) return null;
  return (
    <div className="mb-4 flex items-start gap-2">
      <Alert tone={notice.tone} className="flex-1">
        {notice.text}
        {notice.href && (
          <>
            {" "}
            <Link href={notice.href} className="font-medium underline">
              {notice.linkLabel ?? "Open"}
            </Link>
          </>
        )}
      </Alert>
      <button type="button" onClick={onDismiss} className="rounded-md px-2 py-1 text-sm text-zinc-500 hover:bg-zinc-100" aria-label="Dismiss">
        ×
      </button>
    </div>
  );
}
