// Line icons used in navigation and empty states (24×24, stroke follows the text colour).
import type { ReactNode, SVGProps } from "react";

function Icon({ children, ...rest }: SVGProps<SVGSVGElement>) {
  return (
    <svg viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.75} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" className="size-5 shrink-0" {...rest}>
      {children}
    </svg>
  );
}

export type IconName =
  | "instances" | "usage" | "members" | "key" | "audit" | "settings" | "menu" | "close" | "chevron" | "plus"
  | "console" | "clusters" | "fleet" | "workflows" | "rollouts" | "catalog" | "incidents" | "orgs" | "logo" | "mail" | "billing";

const paths: Record<IconName, ReactNode> = {
  instances: (<><rect x="3" y="4" width="18" height="7" rx="1.5" /><rect x="3" y="13" width="18" height="7" rx="1.5" /><path d="M7 7.5h.01M7 16.5h.01" /></>),
  usage: (<><path d="M4 20V10M10 20V4M16 20v-7M22 20H2" /></>),
  members: (<><circle cx="9" cy="8" r="3.5" /><path d="M2.5 20a6.5 6.5 0 0 1 13 0" /><path d="M16 4.5a3.5 3.5 0 0 1 0 7M18 14.5a6.5 6.5 0 0 1 3.5 5.5" /></>),
  key: (<><circle cx="8" cy="15" r="4" /><path d="m11 12 9-9M17 6l3 3M14.5 8.5l2 2" /></>),
  audit: (<><path d="M9 4h10v16H5V8z" /><path d="M9 4v4H5M9 12h6M9 16h6" /></>),
  settings: (<><circle cx="12" cy="12" r="3" /><path d="M12 2v3M12 19v3M4.9 4.9l2.1 2.1M17 17l2.1 2.1M2 12h3M19 12h3M4.9 19.1 7 17M17 7l2.1-2.1" /></>),
  menu: (<path d="M4 6h16M4 12h16M4 18h16" />),
  close: (<path d="M6 6l12 12M18 6 6 18" />),
  chevron: (<path d="m7 10 5 5 5-5" />),
  plus: (<path d="M12 5v14M5 12h14" />),
  console: (<><path d="M12 3 4 6v6c0 4.5 3.4 8 8 9 4.6-1 8-4.5 8-9V6z" /><path d="m9 12 2 2 4-4" /></>),
  clusters: (<><circle cx="6" cy="6" r="2.5" /><circle cx="18" cy="6" r="2.5" /><circle cx="12" cy="18" r="2.5" /><path d="M8 7.5 10.5 16M16 7.5 13.5 16M8.5 6h7" /></>),
  fleet: (<><rect x="3" y="3" width="7" height="7" rx="1" /><rect x="14" y="3" width="7" height="7" rx="1" /><rect x="3" y="14" width="7" height="7" rx="1" /><rect x="14" y="14" width="7" height="7" rx="1" /></>),
  workflows: (<><circle cx="5" cy="6" r="2" /><circle cx="19" cy="18" r="2" /><path d="M7 6h6a3 3 0 0 1 3 3v0a3 3 0 0 1-3 3h-2a3 3 0 0 0-3 3v0a3 3 0 0 0 3 3h6" /></>),
  rollouts: (<><path d="M4 17 9 12l4 4 7-8" /><path d="M15 8h5v5" /></>),
  catalog: (<><path d="M4 5.5A1.5 1.5 0 0 1 5.5 4H10l2 2h6.5A1.5 1.5 0 0 1 20 7.5v11a1.5 1.5 0 0 1-1.5 1.5h-13A1.5 1.5 0 0 1 4 18.5z" /></>),
  incidents: (<><path d="M12 3 2 20h20z" /><path d="M12 10v4M12 17h.01" /></>),
  orgs: (<><path d="M4 21V5a1 1 0 0 1 1-1h8a1 1 0 0 1 1 1v16M14 10h5a1 1 0 0 1 1 1v10M2 21h20" /><path d="M8 8h2M8 12h2M8 16h2" /></>),
  logo: (<><path d="M12 2 3 7v10l9 5 9-5V7z" /><path d="m3 7 9 5 9-5M12 12v10" /></>),
  billing: (<><rect x="2.5" y="5" width="19" height="14" rx="2" /><path d="M2.5 10h19M6.5 15h4" /></>),
  mail: (<><rect x="3" y="5" width="18" height="14" rx="2" /><path d="m3 7 9 6 9-6" /></>),
};

export function AppIcon({ name, className }: { name: IconName; className?: string }) {
  return <Icon className={className ?? "size-5 shrink-0"}>{paths[name]}</Icon>;
}
