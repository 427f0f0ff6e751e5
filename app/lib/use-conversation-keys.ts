import { useNavigate } from "@remix-run/react";
import { useEffect } from "react";

/** Asks the composer to switch to reply or note and take the focus. */
export const COMPOSE_EVENT = "tandem:compose";

const typing = (el: Element | null) =>
  el instanceof HTMLElement && (el.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(el.tagName));

/**
 * Works a conversation from the keyboard: r reply, n note, h hand back, e resolve, and ] / [
 * (or Alt+↓ / Alt+↑) for the next or previous conversation in the list. Escape leaves a field.
 * Keys typed into a field are left alone.
 */
export function useConversationKeys(conversationId: string) {
  const navigate = useNavigate();
  useEffect(() => {
    const step = (by: number) => {
      const rows = [...document.querySelectorAll<HTMLElement>("[data-inbox-item][data-conversation]")];
      const here = rows.findIndex((r) => r.dataset.conversation === conversationId);
      const target = rows[here === -1 ? 0 : here + by];
      if (target?.dataset.href) navigate(target.dataset.href);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape" && typing(document.activeElement)) {
        (document.activeElement as HTMLElement).blur();
        return;
      }
      if (event.altKey && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
        event.preventDefault();
        step(event.key === "ArrowDown" ? 1 : -1);
        return;
      }
      if (event.altKey || event.ctrlKey || event.metaKey || typing(document.activeElement)) return;
      const compose = (mode: "reply" | "note") => {
        event.preventDefault();
        window.dispatchEvent(new CustomEvent(COMPOSE_EVENT, { detail: mode }));
      };
      switch (event.key) {
        case "r":
          compose("reply");
          break;
        case "n":
          compose("note");
          break;
        case "h":
          event.preventDefault();
          document.querySelector<HTMLSelectElement>("#agent")?.focus();
          break;
        case "e":
          event.preventDefault();
          document.querySelector<HTMLButtonElement>("[data-resolve]")?.click();
          break;
        case "]":
          step(1);
          break;
        case "[":
          step(-1);
          break;
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [conversationId, navigate]);
}
