// Buttons and button-styled links: primary, secondary, danger, ghost and ghost-danger; a disabled button can say why in a tooltip.
import Link from "next/link";
import type { ButtonHTMLAttributes, ComponentProps, ReactNode } from "react";
import { cn } from "./cn";
import { Spinner } from "./spinner";

type Variant = "primary" | "secondary" | "danger" | "ghost" | "ghost-danger";
type Size = "sm" | "md";

const variants: Record<Variant, string> = {
  primary: "bg-brand-600 text-white shadow-sm hover:bg-brand-700 disabled:bg-brand-600/50",
  secondary: "bg-white text-zinc-800 shadow-sm ring-1 ring-inset ring-zinc-300 hover:bg-zinc-50 disabled:text-zinc-400",
  danger: "bg-red-600 text-white shadow-sm hover:bg-red-700 disabled:bg-red-600/50",
  ghost: "text-zinc-700 hover:bg-zinc-100 disabled:text-zinc-400",
  "ghost-danger": "text-red-700 hover:bg-red-50 disabled:text-zinc-400",
};

const sizes: Record<Size, string> = {
  sm: "h-8 px-3 text-sm gap-1.5",
  md: "h-10 px-4 text-sm gap-2",
};

export function buttonClasses(variant: Variant = "primary", size: Size = "md", className?: string): string {
  return cn(
    "inline-flex shrink-0 items-center justify-center rounded-md font-medium transition-colors disabled:cursor-not-allowed",
    variants[variant],
    sizes[size],
    className,
  );
}

export type ButtonProps = ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: Variant;
  size?: Size;
  loading?: boolean;
  /** When set, the button is disabled and this text explains why (tooltip and screen readers). */
  disabledReason?: string | null;
  children: ReactNode;
};

export function Button({ variant = "primary", size = "md", loading, disabledReason, className, children, disabled, type = "button", ...rest }: ButtonProps) {
  const button = (
    <button
      type={type}
      className={buttonClasses(variant, size, className)}
      disabled={disabled || loading || !!disabledReason}
      aria-busy={loading || undefined}
      {...rest}
    >
      {loading && <Spinner className="text-current" label="Working" />}
      {children}
    </button>
  );
  if (!disabledReason) return button;
  // Disabled buttons get no pointer events, so the tooltip lives on a wrapper.
  return (
    <span title={disabledReason} className="inline-flex">
      {button}
      <span className="sr-only">({disabledReason})</span>
    </span>
  );
}

export function ButtonLink({ variant = "primary", size = "md", className, ...rest }: ComponentProps<typeof Link> & { variant?: Variant; size?: Size }) {
  return <Link className={buttonClasses(variant, size, className)} {...rest} />;
}
