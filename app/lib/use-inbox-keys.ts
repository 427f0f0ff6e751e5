import { useNavigate } from "@remix-run/react";
import { useEffect } from "react";

/** Marks an inbox row: focusable, where Enter opens, and what "c" clicks. */
export const inboxItem = (href: string) => ({ "data-inbox-item": "", "data-href": href, tabIndex: 0 });
export const CLAIM_ATTR = "data-inbox-claim";

const typing = (el: Element | null) =>
  el instanceof HTMLElement && (el.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName));

/**
 * Works the inbox without a mouse: j / k (or the arrow keys) move between rows, Enter or o opens
 * the focused row's conversation, and c claims it. Keys typed into a field are left alone.
 */
export function useInboxKeys() {
  const navigate = useNavigate();
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.altKey || event.ctrlKey || event.metaKey || typing(document.activeElement)) return;
      const items = [...document.querySelectorAll<HTMLElement>("[data-inbox-item]")];
      const current = document.activeElement?.closest<HTMLElement>("[data-inbox-item]") ?? null;
      const index = current ? items.indexOf(current) : -1;
      const move = (to: number) => {
        const target = items[Math.max(0, Math.min(items.length - 1, to))];
        if (!target) return;
        event.preventDefault();
        target.focus();
        target.scrollIntoView({ block: "nearest" });
      };
      switch (event.key) {
        case "j":
        case "ArrowDown":
          move(index + 1);
          break;
        case "k":
        case "ArrowUp":
          move(index < 0 ? items.length - 1 : index - 1);
          break;
        case "Enter":
        case "o":
          // Enter on a button or link inside the row does what that control does.
          if (current && (event.key === "o" || document.activeElement === current)) {
            event.preventDefault();
            navigate(current.dataset.href!);
          }
          break;
        case "c":
          current?.querySelector<HTMLButtonElement>(`[${CLAIM_ATTR}]`)?.click();
          break;
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [navigate]);
}
