import { useEffect, useState, type ReactNode } from "react";
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";

/** One day of the report as the charts read it (rates as fractions, times in seconds, cost in USD). */
export interface ChartDay {
  day: string;
  conversations: number;
  aiResolutions: number;
  handoffs: number;
  aiResolutionRate: number | null;
  handoffRate: number | null;
  waitP50: number | null;
  waitP90: number | null;
  firstResponseP50: number | null;
  csat: number | null;
  costUsd: number;
}

/** Colours readable on the light and the dark background alike. */
const COLOURS = { ai: "#10b981", person: "#f59e0b", other: "#64748b", p50: "#3b82f6", p90: "#a855f7", cost: "#0ea5e9" };
const AXIS = { stroke: "#94a3b8", fontSize: 12 };

export const percent = (v: number | null) => (v === null ? "–" : `${Math.round(v * 100)} %`);

/** 42 s, 3.5 min, 1.2 h. */
export function duration(seconds: number | null): string {
  if (seconds === null) return "–";
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export const usd = (v: number | null) =>
  v === null ? "–" : v === 0 || v >= 1 ? `$${v.toFixed(2)}` : `$${v.toFixed(4)}`;

const shortDay = (day: string) => day.slice(5);

/**
 * A chart's frame: its title, what it shows in words (also for screen readers), and the chart,
 * drawn once the browser can measure it (the server renders the frame at its final height).
 */
function ChartFrame({
  id,
  title,
  summary,
  children,
}: {
  id: string;
  title: string;
  summary: string;
  children: ReactNode;
}) {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  return (
    <figure
      className="rounded-lg border border-slate-200 bg-white p-3"
      aria-labelledby={`${id}-title`}
      data-testid={id}
    >
      <figcaption>
        <h3 id={`${id}-title`} className="text-sm font-semibold">
          {title}
        </h3>
        <p className="text-xs text-slate-600">{summary}</p>
      </figcaption>
      <div className="mt-2 h-56" role="img" aria-label={`${title}: ${summary}`}>
        {mounted ? (
          <ResponsiveContainer width="100%" height="100%">
            {children as React.ReactElement}
          </ResponsiveContainer>
        ) : null}
      </div>
    </figure>
  );
}

const tooltipStyle = { contentStyle: { fontSize: 12 }, labelStyle: { color: "#0f172a" } };

export function ConversationsChart({ days }: { days: ChartDay[] }) {
  const data = days.map((d) => ({
    day: shortDay(d.day),
    "Resolved by the AI": d.aiResolutions,
    "Handed to a person": d.handoffs,
    Other: Math.max(0, d.conversations - d.aiResolutions - d.handoffs),
  }));
  const total = days.reduce((n, d) => n + d.conversations, 0);
  return (
    <ChartFrame
      id="chart-conversations"
      title="Conversations per day"
      summary={`${total} ${total === 1 ? "conversation" : "conversations"}: resolved by the AI, handed to a person, or neither yet.`}
    >
      <BarChart data={data}>
        <CartesianGrid strokeDasharray="3 3" stroke="#cbd5e1" strokeOpacity={0.4} />
        <XAxis dataKey="day" {...AXIS} />
        <YAxis allowDecimals={false} {...AXIS} />
        <Tooltip {...tooltipStyle} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        <Bar dataKey="Resolved by the AI" stackId="c" fill={COLOURS.ai} />
        <Bar dataKey="Handed to a person" stackId="c" fill={COLOURS.person} />
        <Bar dataKey="Other" stackId="c" fill={COLOURS.other} />
      </BarChart>
    </ChartFrame>
  );
}

export function RatesChart({ days }: { days: ChartDay[] }) {
  const pct = (v: number | null) => (v === null ? null : Math.round(v * 1000) / 10);
  const data = days.map((d) => ({
    day: shortDay(d.day),
    "AI resolution rate": pct(d.aiResolutionRate),
    "Handoff rate": pct(d.handoffRate),
    CSAT: pct(d.csat),
  }));
  return (
    <ChartFrame
      id="chart-rates"
      title="Resolution, handoff and CSAT"
      summary="Per day, in percent: AI resolutions, conversations handed to a person, and ratings of 4 or 5."
    >
      <LineChart data={data}>
        <CartesianGrid strokeDasharray="3 3" stroke="#cbd5e1" strokeOpacity={0.4} />
        <XAxis dataKey="day" {...AXIS} />
        <YAxis domain={[0, 100]} unit=" %" {...AXIS} />
        <Tooltip {...tooltipStyle} formatter={(v) => (v === null || v === undefined ? "–" : `${String(v)} %`)} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        <Line type="monotone" dataKey="AI resolution rate" stroke={COLOURS.ai} strokeWidth={2} connectNulls />
        <Line type="monotone" dataKey="Handoff rate" stroke={COLOURS.person} strokeWidth={2} connectNulls />
        <Line type="monotone" dataKey="CSAT" stroke={COLOURS.p90} strokeWidth={2} connectNulls />
      </LineChart>
    </ChartFrame>
  );
}

export function WaitingChart({ days }: { days: ChartDay[] }) {
  const minutes = (s: number | null) => (s === null ? null : Math.round((s / 60) * 10) / 10);
  const data = days.map((d) => ({
    day: shortDay(d.day),
    "Escalation wait p50": minutes(d.waitP50),
    "Escalation wait p90": minutes(d.waitP90),
    "First response p50": minutes(d.firstResponseP50),
  }));
  return (
    <ChartFrame
      id="chart-waiting"
      title="Waiting times"
      summary="Per day, in minutes: how long escalations waited to be claimed (median and 90th percentile), and the median first response."
    >
      <LineChart data={data}>
        <CartesianGrid strokeDasharray="3 3" stroke="#cbd5e1" strokeOpacity={0.4} />
        <XAxis dataKey="day" {...AXIS} />
        <YAxis unit=" min" {...AXIS} />
        <Tooltip {...tooltipStyle} formatter={(v) => (v === null || v === undefined ? "–" : `${String(v)} min`)} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        <Line type="monotone" dataKey="Escalation wait p50" stroke={COLOURS.p50} strokeWidth={2} connectNulls />
        <Line type="monotone" dataKey="Escalation wait p90" stroke={COLOURS.p90} strokeWidth={2} connectNulls />
        <Line type="monotone" dataKey="First response p50" stroke={COLOURS.ai} strokeWidth={2} connectNulls />
      </LineChart>
    </ChartFrame>
  );
}

export function CostChart({ days }: { days: ChartDay[] }) {
  const data = days.map((d) => ({ day: shortDay(d.day), "AI cost (USD)": d.costUsd }));
  const total = days.reduce((n, d) => n + d.costUsd, 0);
  return (
    <ChartFrame
      id="chart-cost"
      title="AI cost per day"
      summary={`Estimated from the model's token use and the price table: ${usd(total)} in all.`}
    >
      <BarChart data={data}>
        <CartesianGrid strokeDasharray="3 3" stroke="#cbd5e1" strokeOpacity={0.4} />
        <XAxis dataKey="day" {...AXIS} />
        <YAxis {...AXIS} />
        <Tooltip {...tooltipStyle} formatter={(v) => usd(Number(v))} />
        <Bar dataKey="AI cost (USD)" fill={COLOURS.cost} />
      </BarChart>
    </ChartFrame>
  );
}
