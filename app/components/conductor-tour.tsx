import { useEffect, useRef, useState } from "react";

const TOUR_KEY = "tandem.conductorTour";

/** The seven steps: each names the part of the page it is about (scrolled into view and outlined). */
const steps: Array<{ title: string; text: string; target: string }> = [
  {
    title: "Modes",
    text: "The autonomy mode decides what the conductor may do. In Auto it acts; in Semi-Auto the light moves (bringing in a person, an apology, a help article, a higher priority) run and the rest wait for you; in Manual every move waits for you.",
    target: "conductor-mode",
  },
  {
    title: "Status",
    text: "The badge says what it is doing: Monitoring, Waiting for approval, Intervening, Learning (measuring an outcome) or Idle. Each watched conversation has its own, beside its health and the trouble it shows.",
    target: "watched-heading",
  },
  {
    title: "The decision explainer",
    text: "Every intervention is a decision card: what it wants to do, why in plain words built from the signals, how it was drawn, and how that move has fared in this situation.",
    target: "waiting-heading",
  },
  {
    title: "Approving",
    text: "Approve runs it at once, exactly once. Reject means nothing runs, and the rejection counts as a failure for that move here: it learns from you too.",
    target: "waiting-heading",
  },
  {
    title: "What it learned",
    text: "One bar per move and situation: the mark is the success rate it believes, the band the 90 % interval. Few attempts, wide band; the draw favours moves that work and still tries the others now and then.",
    target: "learned-heading",
  },
  {
    title: "The simulator",
    text: "Run the 60-second demo to watch simulated customers run into trouble and the conductor step in. The same simulator is npm run simulate, and with --conversations it is the load generator.",
    target: "conductor-demo",
  },
  {
    title: "Export",
    text: "Export every intervention and its outcome as CSV, or as JSON with summary statistics and the learned table.",
    target: "history-heading",
  },
];

/**
 * A short tour of the Conductor page, shown on the first visit, skippable at any step and
 * replayable. It is a non-modal dialog: the page stays usable behind it.
 */
export function ConductorTour() {
  const [step, setStep] = useState<number | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (localStorage.getItem(TOUR_KEY) !== "done") setStep(0);
  }, []);
  useEffect(() => {
    if (step === null) return;
    heading.current?.focus();
    const target = document.getElementById(steps[step]!.target);
    target?.scrollIntoView({ block: "center", behavior: "smooth" });
    target?.setAttribute("data-tour-focus", "");
    return () => target?.removeAttribute("data-tour-focus");
  }, [step]);
  const end = () => {
    localStorage.setItem(TOUR_KEY, "done");
    setStep(null);
  };
  if (step === null)
    return (
      <button type="button" onClick={() => setStep(0)} className="text-sm text-brand-700 underline">
        Replay the tour
      </button>
    );
  const current = steps[step]!;
  return (
    <div
      role="dialog"
      aria-labelledby="tour-title"
      aria-describedby="tour-text"
      onKeyDown={(e) => e.key === "Escape" && end()}
      className="fixed bottom-4 right-4 z-40 w-[min(24rem,calc(100vw-2rem))] rounded-lg border border-slate-300 bg-white p-4 text-sm shadow-lg"
      data-testid="conductor-tour"
    >
      <p className="text-xs text-slate-600">
        Step {step + 1} of {steps.length}
      </p>
      <h2 id="tour-title" ref={heading} tabIndex={-1} className="mt-1 font-semibold focus:outline-none">
        {current.title}
      </h2>
      <p id="tour-text" className="mt-1 text-slate-800">
        {current.text}
      </p>
      <div className="mt-3 flex items-center gap-2">
        <button type="button" onClick={end} className="text-slate-700 underline">
          Skip the tour
        </button>
        <span className="ml-auto flex gap-2">
          {step > 0 ? (
            <button
              type="button"
              onClick={() => setStep(step - 1)}
              className="rounded-md border border-slate-300 px-3 py-1"
            >
              Back
            </button>
          ) : null}
          {step < steps.length - 1 ? (
            <button
              type="button"
              onClick={() => setStep(step + 1)}
              className="rounded-md bg-brand-600 px-3 py-1 font-medium text-white"
            >
              Next
            </button>
          ) : (
            <button type="button" onClick={end} className="rounded-md bg-brand-600 px-3 py-1 font-medium text-white">
              Done
            </button>
          )}
        </span>
      </div>
    </div>
  );
}
