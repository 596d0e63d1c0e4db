// Keyset paging control: "Load more" while the server says there is more, a quiet end marker after.
"use client";
import { Button } from "./button";

export function LoadMore({ hasMore, loading, onLoadMore, count }: { hasMore: boolean; loading: boolean; onLoadMore: () => void; count: number }) {
  return (
    <div className="flex items-center justify-between gap-4 border-t border-zinc-200 px-4 py-3 text-sm text-zinc-500">
      <span>
        {count} {count === 1 ? "entry" : "entries"} shown
      </span>
      {hasMore ? (
        <Button variant="secondary" size="sm" onClick={onLoadMore} loading={loading}>
          Load more
        </Button>
      ) : (
        <span>No more entries</span>
      )}
    </div>
  );
}
